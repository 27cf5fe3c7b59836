//! Deductions and orders: the deduction request, the order object, and reversal.

use serde::{Deserialize, Serialize};

use super::{open_enum, ExchangeRate, Payer, ResponseIdentity, Timestamp};
use crate::error::Result;
use crate::validate;

/// Amount of a deduction request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionAmount {
    /// Amount in minor units of `currency`.
    pub total: i64,
    /// ISO 4217 code, e.g. `HKD`.
    pub currency: String,
}

/// Merchant device information sent with a deduction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneInfo {
    /// Merchant device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Merchant device IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ip: Option<String>,
}

/// Body of `POST /v3/global/papay/transactions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeductionRequest {
    /// Short description such as "store brand-city branch-goods", 1 to 128 characters.
    pub description: String,
    /// Merchant data echoed in the query and notification, 1 to 127 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// HTTPS URL, without query parameters, for the `TRANSACTION.SUCCESS` notification.
    pub notify_url: String,
    /// Merchant order number and idempotency key, 1 to 32 characters.
    pub out_trade_no: String,
    /// Tag for coupon rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goods_tag: Option<String>,
    /// Merchant category code, 1 to 16 characters.
    pub merchant_category_code: String,
    /// Contract to charge.
    pub contract_id: String,
    /// Amount to charge.
    pub amount: DeductionAmount,
    /// Device information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<SceneInfo>,
}

impl DeductionRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        validate::text("description", &self.description, 1, 128)?;
        validate::optional(self.attach.as_deref(), |v| validate::text("attach", v, 1, 127))?;
        validate::notify_url("notify_url", &self.notify_url, 256)?;
        validate::merchant_number("out_trade_no", &self.out_trade_no, 32)?;
        validate::optional(self.goods_tag.as_deref(), |v| validate::text("goods_tag", v, 1, 32))?;
        validate::identifier("merchant_category_code", &self.merchant_category_code, 1, 16)?;
        validate::identifier("contract_id", &self.contract_id, 1, 64)?;
        validate::positive_amount("amount.total", self.amount.total)?;
        validate::currency("amount.currency", &self.amount.currency)?;
        if let Some(scene) = &self.scene_info {
            validate::optional(scene.device_id.as_deref(), |v| validate::text("scene_info.device_id", v, 1, 32))?;
            validate::optional(scene.device_ip.as_deref(), |v| validate::ip_address("scene_info.device_ip", v))?;
        }
        Ok(())
    }
}

open_enum! {
    /// State of an order.
    TradeState {
        /// Paid.
        Success => "SUCCESS",
        /// A refund was initiated.
        Refund => "REFUND",
        /// Not paid.
        NotPay => "NOTPAY",
        /// Closed.
        Closed => "CLOSED",
        /// Payment failed.
        PayError => "PAYERROR",
        /// The user or the bank is still processing; query again later.
        UserPaying => "USERPAYING",
        /// Reversed (seen for Global micropay).
        Revoked => "REVOKED",
    }
}

/// Amount of an order as WeChat Pay reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAmount {
    /// Order amount in minor units of `currency`.
    pub total: i64,
    /// Order currency.
    pub currency: String,
    /// Amount charged to the user, in minor units of `payer_currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// The user's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
    /// Exchange rate applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<ExchangeRate>,
}

/// A discount applied to an order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionDetail {
    /// Coupon id.
    pub promotion_id: String,
    /// Promotion name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `GLOBAL` or `SINGLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `COUPON` or `DISCOUNT`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub promotion_type: Option<String>,
    /// Discount amount.
    #[serde(default)]
    pub amount: i64,
    /// Discount currency.
    #[serde(default)]
    pub currency: String,
    /// Campaign id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    /// Part funded by WeChat Pay; a notification sample spells it `wechatpay_contribute_amount`.
    #[serde(default, alias = "wechatpay_contribute_amount", skip_serializing_if = "Option::is_none")]
    pub wxpay_contribute_amount: Option<i64>,
    /// Part funded by the merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_contribute_amount: Option<i64>,
    /// Part funded by others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_contribute_amount: Option<i64>,
}

/// An Auto-Debit order: the deduction response, the order query response and the decrypted
/// `TRANSACTION.SUCCESS` resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Merchant identity.
    #[serde(flatten)]
    pub identity: ResponseIdentity,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat Pay order number; absent while unpaid. Global payment notifications may call it
    /// `id`; both are accepted.
    #[serde(default, alias = "id", skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Merchant data echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// `AUTH` for Auto-Debit deductions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// Order state.
    pub trade_state: TradeState,
    /// Human-readable state description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// Payer bank or channel code, e.g. `CFT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// Payment completion time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<Timestamp>,
    /// The user who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// Amounts.
    pub amount: OrderAmount,
    /// Merchant category code echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_category_code: Option<String>,
    /// Device information echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene_info: Option<SceneInfo>,
    /// Discounts applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<PromotionDetail>>,
}
