//! Refunds: the apply request, the refund object, the list of an order's refunds and the
//! decrypted refund notification resource.

use serde::{Deserialize, Serialize};

use super::{open_enum, ExchangeRate, ResponseIdentity, Timestamp};
use crate::error::{Error, Result};
use crate::validate;

/// Identifies an order by WeChat Pay's number or the merchant's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderRef {
    /// WeChat Pay order number (`transaction_id`).
    TransactionId(String),
    /// Merchant order number (`out_trade_no`).
    OutTradeNo(String),
}

impl Default for OrderRef {
    fn default() -> Self {
        OrderRef::OutTradeNo(String::new())
    }
}

impl OrderRef {
    pub(crate) fn validate(&self) -> Result<()> {
        match self {
            OrderRef::TransactionId(id) => validate::identifier("transaction_id", id, 1, 32),
            OrderRef::OutTradeNo(no) => validate::merchant_number("out_trade_no", no, 32),
        }
    }

    /// Query or body key and value.
    pub fn as_pair(&self) -> (&'static str, &str) {
        match self {
            OrderRef::TransactionId(id) => ("transaction_id", id),
            OrderRef::OutTradeNo(no) => ("out_trade_no", no),
        }
    }
}

open_enum! {
    /// Source of the refunded money.
    FundSource {
        /// Unsettled funds (default).
        UnsettledFunds => "REFUND_SOURCE_UNSETTLED_FUNDS",
        /// The pre-funded refund balance; samples also spell it `REFUND_SOURCE_REchARGE_FUNDS`,
        /// which matches because comparison ignores case.
        RechargeFunds => "REFUND_SOURCE_RECHARGE_FUNDS",
    }
}

/// Amount of a refund request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequestAmount {
    /// Amount to refund, minor units.
    pub refund: i64,
    /// Original order amount.
    pub total: i64,
    /// Order currency.
    pub currency: String,
}

/// Body of `POST /v3/global/refunds`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefundRequest {
    /// The order to refund.
    pub order: OrderRef,
    /// Merchant refund number and idempotency key: 1 to 64 letters, digits or `_-|*@`.
    pub out_refund_no: String,
    /// Reason shown to the user, 1 to 80 characters.
    pub reason: Option<String>,
    /// Funding source; WeChat Pay defaults to unsettled funds.
    pub source: Option<FundSource>,
    /// Amounts.
    pub amount: RefundRequestAmount,
    /// HTTPS URL for the refund notification; without it none is sent.
    pub notify_url: Option<String>,
}

impl RefundRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.order.validate()?;
        validate::merchant_number("out_refund_no", &self.out_refund_no, 64)?;
        validate::optional(self.reason.as_deref(), |v| validate::text("reason", v, 1, 80))?;
        validate::positive_amount("amount.refund", self.amount.refund)?;
        validate::positive_amount("amount.total", self.amount.total)?;
        if self.amount.refund > self.amount.total {
            return Err(Error::invalid_argument(
                "amount.refund",
                format!("must not exceed amount.total {}, got {}", self.amount.total, self.amount.refund),
            ));
        }
        validate::currency("amount.currency", &self.amount.currency)?;
        validate::optional(self.notify_url.as_deref(), |v| validate::notify_url("notify_url", v, 256))
    }
}

/// Wire form of [`RefundRequest`], with the order reference flattened to its key.
#[derive(Serialize)]
pub(crate) struct RefundRequestWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<&'a str>,
    pub out_refund_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'a FundSource>,
    pub amount: &'a RefundRequestAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<&'a str>,
}

impl<'a> From<&'a RefundRequest> for RefundRequestWire<'a> {
    fn from(request: &'a RefundRequest) -> Self {
        let (transaction_id, out_trade_no) = match &request.order {
            OrderRef::TransactionId(id) => (Some(id.as_str()), None),
            OrderRef::OutTradeNo(no) => (None, Some(no.as_str())),
        };
        Self {
            transaction_id,
            out_trade_no,
            out_refund_no: &request.out_refund_no,
            reason: request.reason.as_deref(),
            source: request.source.as_ref(),
            amount: &request.amount,
            notify_url: request.notify_url.as_deref(),
        }
    }
}

open_enum! {
    /// State of a refund. Notifications write the closed state `CLOSED`, queries `REFUNDCLOSE`;
    /// both map to [`RefundStatus::Closed`].
    RefundStatus {
        /// Refunded.
        Success => "SUCCESS",
        /// Closed without refunding; final.
        Closed => "REFUNDCLOSE",
        /// In progress.
        Processing => "PROCESSING",
        /// Needs manual handling in the merchant platform; not final.
        Abnormal => "ABNORMAL",
    }
}

impl RefundStatus {
    /// Parses either spelling of the closed state.
    pub fn parse_any(value: &str) -> Self {
        if value.eq_ignore_ascii_case("CLOSED") {
            RefundStatus::Closed
        } else {
            RefundStatus::parse(value)
        }
    }
}

fn deserialize_refund_status<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<RefundStatus>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.map(|v| RefundStatus::parse_any(&v)))
}

open_enum! {
    /// Destination of the refunded money.
    RefundChannel {
        /// Back to the original payment method.
        Original => "ORIGINAL",
        /// To the user's balance.
        Balance => "BALANCE",
        /// Original account abnormal, to another balance.
        OtherBalance => "OTHER_BALANCE",
        /// Original card abnormal, to another card.
        OtherBankcard => "OTHER_BANKCARD",
    }
}

/// Amount of a refund as WeChat Pay reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    /// Refund amount, minor units of `currency`.
    pub refund: i64,
    /// Refund currency.
    pub currency: String,
    /// Original order amount (notifications, some queries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Amount returned to the user in `payer_currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_refund: Option<i64>,
    /// Amount the user paid for the order (notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// The user's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
    /// Exchange rate applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<ExchangeRate>,
}

/// A refunded promotion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPromotion {
    /// Coupon id.
    pub promotion_id: String,
    /// `GLOBAL` or `SINGLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `COUPON` or `DISCOUNT`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub promotion_type: Option<String>,
    /// Promotion amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Refunded part of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_amount: Option<i64>,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A refund: the apply response, the single query response and the items of the list query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// WeChat Pay refund id (`refund_id`).
    #[serde(alias = "refund_id")]
    pub id: String,
    /// Merchant refund number.
    pub out_refund_no: String,
    /// WeChat Pay order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Merchant order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_trade_no: Option<String>,
    /// Where the money went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<RefundChannel>,
    /// Account credited, descriptive text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recv_account: Option<String>,
    /// Funding source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_source: Option<FundSource>,
    /// When the refund succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<Timestamp>,
    /// When the refund was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// Refund state; the apply response omits it because the refund was only accepted.
    #[serde(default, deserialize_with = "deserialize_refund_status", skip_serializing_if = "Option::is_none")]
    pub status: Option<RefundStatus>,
    /// Amounts.
    pub amount: RefundAmount,
    /// Refunded promotions; sources name the key `promotion_detail` or `detail`.
    #[serde(default, alias = "detail", alias = "refund_detail", skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<RefundPromotion>>,
}

/// Order amounts in the refund list response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundListOrderAmount {
    /// Order amount.
    pub total: i64,
    /// Order currency.
    pub currency: String,
    /// Amount the user paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// The user's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// Response of `GET /v3/global/refunds`: one page of an order's refunds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundList {
    /// WeChat Pay **order** number (not a refund id).
    pub id: String,
    /// Merchant identity.
    #[serde(flatten)]
    pub identity: ResponseIdentity,
    /// Merchant order number.
    pub out_trade_no: String,
    /// Order amounts.
    pub amount: RefundListOrderAmount,
    /// Refunds on this page.
    #[serde(default)]
    pub data: Vec<Refund>,
    /// Number of refunds of the order.
    pub total_num: u32,
    /// Number of refunds on this page.
    pub current_total_num: u32,
}

/// Query of `GET /v3/global/refunds`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefundListRequest {
    /// The order whose refunds are listed.
    pub order: OrderRef,
    /// Zero-based index of the first refund.
    pub offset: u32,
    /// Page size, 1 to 20.
    // NOTE: WeChat Pay does not document the maximum page size; 20 is a conservative bound.
    pub count: u32,
}

/// Maximum page size the client accepts for the refund list.
pub const MAX_REFUND_PAGE_SIZE: u32 = 20;

impl RefundListRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.order.validate()?;
        if self.count == 0 || self.count > MAX_REFUND_PAGE_SIZE {
            return Err(Error::invalid_argument(
                "count",
                format!("must be 1 to {MAX_REFUND_PAGE_SIZE}, got {}", self.count),
            ));
        }
        Ok(())
    }
}

/// Decrypted resource of the `REFUND.SUCCESS`, `REFUND.ABNORMAL` and `REFUND.CLOSED`
/// notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotification {
    /// Merchant identity.
    #[serde(flatten)]
    pub identity: ResponseIdentity,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat Pay order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Merchant refund number.
    pub out_refund_no: String,
    /// WeChat Pay refund id.
    pub refund_id: String,
    /// Refund state; `CLOSED` and `REFUNDCLOSE` both map to [`RefundStatus::Closed`].
    #[serde(deserialize_with = "deserialize_refund_status_required")]
    pub refund_status: RefundStatus,
    /// When the refund succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<Timestamp>,
    /// Account credited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recv_account: Option<String>,
    /// Funding source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund_source: Option<FundSource>,
    /// Amounts.
    pub amount: RefundAmount,
}

fn deserialize_refund_status_required<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<RefundStatus, D::Error> {
    let value = String::deserialize(deserializer)?;
    Ok(RefundStatus::parse_any(&value))
}
