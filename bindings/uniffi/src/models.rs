//! Request and response records of every endpoint, and their conversions to and from the core.
//!
//! Conventions, the same for Kotlin and Swift:
//! - amounts are `Long`/`Int64` minor units of the currency (never floating point);
//! - times are RFC 3339 strings with offset, e.g. `2030-01-01T12:00:00+08:00`;
//! - `plan_id`, `offset` and `count` are signed (`Long`, `Int`) for convenience in Kotlin, and a
//!   negative value fails with `INVALID_ARGUMENT` naming the field;
//! - states and kinds (`trade_state`, `status`, `state`, ...) are the wire strings, because
//!   WeChat Pay may add values and an unknown value must not break parsing;
//! - the merchant identity (`appid`, or `sp_appid` and `sub_mchid`) comes from the client's
//!   [`Mode`](crate::config::Mode), not from the requests.

use papay::models::{
    ExchangeRate as CoreExchangeRate, Payer as CorePayer, ResponseIdentity as CoreIdentity, Timestamp,
};

use crate::error::{invalid_argument, PayResult};

// ----- shared -----

/// Identity fields of a response: Common mode fills `mchid`/`appid`, Institutional mode the
/// `sp_*`/`sub_*` ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct ResponseIdentity {
    pub mchid: Option<String>,
    pub appid: Option<String>,
    pub sp_mchid: Option<String>,
    pub sp_appid: Option<String>,
    /// Sub-merchant id; route notifications on it in Institutional mode.
    pub sub_mchid: Option<String>,
    pub sub_appid: Option<String>,
}

impl From<CoreIdentity> for ResponseIdentity {
    fn from(identity: CoreIdentity) -> Self {
        Self {
            mchid: identity.mchid,
            appid: identity.appid,
            sp_mchid: identity.sp_mchid,
            sp_appid: identity.sp_appid,
            sub_mchid: identity.sub_mchid,
            sub_appid: identity.sub_appid,
        }
    }
}

/// Exchange rate between the order currency and the user's currency.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ExchangeRate {
    /// `SETTLEMENT_RATE` or `USERPAYMENT_RATE`.
    pub rate_type: Option<String>,
    /// Rate multiplied by 10^8 (100000000 for identical currencies).
    pub rate: Option<i64>,
}

impl From<CoreExchangeRate> for ExchangeRate {
    fn from(rate: CoreExchangeRate) -> Self {
        Self { rate_type: rate.rate_type.map(|t| t.as_str().to_owned()), rate: rate.rate }
    }
}

/// The paying user: `openid` in Common mode, `sp_openid` and/or `sub_openid` in Institutional
/// mode.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Payer {
    pub openid: Option<String>,
    pub sp_openid: Option<String>,
    pub sub_openid: Option<String>,
}

impl From<CorePayer> for Payer {
    fn from(payer: CorePayer) -> Self {
        Self { openid: payer.openid, sp_openid: payer.sp_openid, sub_openid: payer.sub_openid }
    }
}

/// Formats a core time as RFC 3339 with its original offset, e.g. `2030-01-01T12:00:00+08:00`.
pub(crate) fn format_time(time: Timestamp) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

fn format_time_opt(time: Option<Timestamp>) -> Option<String> {
    time.map(format_time)
}

fn parse_time_opt(field: &str, text: Option<String>) -> PayResult<Option<Timestamp>> {
    match text {
        None => Ok(None),
        Some(text) => chrono::DateTime::parse_from_rfc3339(&text).map(Some).map_err(|e| {
            invalid_argument(
                field,
                format!("must be an RFC 3339 time such as 2030-01-01T12:00:00+08:00, got {text:?}: {e}"),
            )
        }),
    }
}

fn plan_id_in(plan_id: i64) -> PayResult<u64> {
    u64::try_from(plan_id).map_err(|_| {
        invalid_argument("plan_id", format!("must be the positive template id issued by WeChat Pay, got {plan_id}"))
    })
}

/// Widens a core `u64` for Kotlin's `Long`. Template ids are far below 2^63; a larger value
/// saturates instead of wrapping to a negative number.
pub(crate) fn to_long(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

// ----- signing -----

/// Mini Program pre-sign request; returns a `session_id`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct MiniProgramPreSignRequest {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: i64,
    /// Merchant contract number, unique per merchant and never reused, 1 to 32 characters.
    pub out_contract_code: String,
    /// HTTPS URL without query parameters that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// The user's openid under the calling AppID (`sub_appid` in Institutional mode when set).
    pub openid: String,
    /// Account name shown on the signing page, 1 to 32 characters, no emoji.
    #[uniffi(default = None)]
    pub user_display_name: Option<String>,
    /// The user's client IP; WeChat Pay rejects the signing when the signing device's IP differs.
    #[uniffi(default = None)]
    pub user_client_ip: Option<String>,
    /// Expiry of the signing session, RFC 3339.
    #[uniffi(default = None)]
    pub expired_time: Option<String>,
}

/// H5 (mobile browser) pre-sign request; returns a `sign_url`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct H5PreSignRequest {
    pub plan_id: i64,
    pub out_contract_code: String,
    pub success_notify_url: String,
    #[uniffi(default = None)]
    pub user_display_name: Option<String>,
    #[uniffi(default = None)]
    pub user_client_ip: Option<String>,
    /// App to return to after signing; honoured only with the template's return-to-app
    /// permission.
    #[uniffi(default = None)]
    pub return_appid: Option<String>,
    /// Page to return to after signing; its prefix must be registered with the template.
    #[uniffi(default = None)]
    pub return_url: Option<String>,
    #[uniffi(default = None)]
    pub expired_time: Option<String>,
}

/// JSAPI (inside WeChat) pre-sign request; returns a `sign_url`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct JsapiPreSignRequest {
    pub plan_id: i64,
    pub out_contract_code: String,
    pub success_notify_url: String,
    pub openid: String,
    #[uniffi(default = None)]
    pub user_display_name: Option<String>,
    #[uniffi(default = None)]
    pub return_url: Option<String>,
    #[uniffi(default = None)]
    pub expired_time: Option<String>,
}

/// PC Web (QR code) pre-sign request; returns a `show_code_url`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct WebPreSignRequest {
    pub plan_id: i64,
    pub out_contract_code: String,
    pub success_notify_url: String,
    #[uniffi(default = None)]
    pub user_display_name: Option<String>,
    #[uniffi(default = None)]
    pub return_url: Option<String>,
    #[uniffi(default = None)]
    pub expired_time: Option<String>,
}

/// APP pre-sign request; returns the `session_id` the app hands to WeChat (see
/// `signingLaunchParams`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AppPreSignRequest {
    pub plan_id: i64,
    pub out_contract_code: String,
    pub success_notify_url: String,
    /// Account name shown on the signing page; required for APP signing.
    pub user_display_name: String,
    #[uniffi(default = None)]
    pub openid: Option<String>,
    #[uniffi(default = None)]
    pub user_client_ip: Option<String>,
    #[uniffi(default = None)]
    pub expired_time: Option<String>,
}

fn pre_sign_common(
    plan_id: i64,
    out_contract_code: String,
    success_notify_url: String,
    user_display_name: Option<String>,
    expired_time: Option<String>,
) -> PayResult<papay::PreSignCommon> {
    Ok(papay::PreSignCommon {
        plan_id: plan_id_in(plan_id)?,
        out_contract_code,
        user_display_name,
        success_notify_url,
        expired_time: parse_time_opt("expired_time", expired_time)?,
    })
}

impl TryFrom<MiniProgramPreSignRequest> for papay::MiniProgramPreSignRequest {
    type Error = crate::error::PayError;

    fn try_from(r: MiniProgramPreSignRequest) -> PayResult<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.success_notify_url,
                r.user_display_name,
                r.expired_time,
            )?,
            openid: r.openid,
            user_client_ip: r.user_client_ip,
        })
    }
}

impl TryFrom<H5PreSignRequest> for papay::H5PreSignRequest {
    type Error = crate::error::PayError;

    fn try_from(r: H5PreSignRequest) -> PayResult<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.success_notify_url,
                r.user_display_name,
                r.expired_time,
            )?,
            user_client_ip: r.user_client_ip,
            return_appid: r.return_appid,
            return_url: r.return_url,
        })
    }
}

impl TryFrom<JsapiPreSignRequest> for papay::JsapiPreSignRequest {
    type Error = crate::error::PayError;

    fn try_from(r: JsapiPreSignRequest) -> PayResult<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.success_notify_url,
                r.user_display_name,
                r.expired_time,
            )?,
            openid: r.openid,
            return_url: r.return_url,
        })
    }
}

impl TryFrom<WebPreSignRequest> for papay::WebPreSignRequest {
    type Error = crate::error::PayError;

    fn try_from(r: WebPreSignRequest) -> PayResult<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.success_notify_url,
                r.user_display_name,
                r.expired_time,
            )?,
            return_url: r.return_url,
        })
    }
}

impl TryFrom<AppPreSignRequest> for papay::AppPreSignRequest {
    type Error = crate::error::PayError;

    fn try_from(r: AppPreSignRequest) -> PayResult<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.success_notify_url,
                Some(r.user_display_name),
                r.expired_time,
            )?,
            openid: r.openid,
            user_client_ip: r.user_client_ip,
        })
    }
}

/// Response of the Mini Program and APP pre-sign calls.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SessionIdResponse {
    /// Signing session id the client hands to WeChat.
    pub session_id: String,
}

/// Response of the H5 and JSAPI pre-sign calls.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SignUrlResponse {
    /// URL the page navigates to.
    pub sign_url: String,
}

/// Response of the PC Web pre-sign call.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ShowCodeUrlResponse {
    /// URL to render as a QR code (see `qrCodeSvg`).
    pub show_code_url: String,
}

// ----- contracts -----

/// A contract as returned by the two contract queries.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Contract {
    pub identity: ResponseIdentity,
    /// WeChat Pay contract id; deductions use it.
    pub contract_id: String,
    pub plan_id: i64,
    pub out_contract_code: String,
    pub user_display_name: Option<String>,
    pub openid: Option<String>,
    /// `SIGNED`, `TERMINATED`, or a value WeChat Pay added later.
    pub state: String,
    pub signed_time: Option<String>,
    pub terminated_time: Option<String>,
    /// `USER`, `MERCHANT`, `PLATFORM`, `EXPIRED`, or a value WeChat Pay added later.
    pub termination_mode: Option<String>,
    pub termination_note: Option<String>,
}

impl From<papay::Contract> for Contract {
    fn from(c: papay::Contract) -> Self {
        Self {
            identity: c.identity.into(),
            contract_id: c.contract_id,
            plan_id: to_long(c.plan_id),
            out_contract_code: c.out_contract_code,
            user_display_name: c.user_display_name,
            openid: c.openid,
            state: c.state.as_str().to_owned(),
            signed_time: format_time_opt(c.signed_time),
            terminated_time: format_time_opt(c.terminated_time),
            termination_mode: c.termination_mode.map(|m| m.as_str().to_owned()),
            termination_note: c.termination_note,
        }
    }
}

// ----- deductions and orders -----

/// Amount of a deduction request.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeductionAmount {
    /// Minor units of `currency`.
    pub total: i64,
    /// ISO 4217 code, e.g. `HKD`.
    pub currency: String,
}

/// Merchant device information.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SceneInfo {
    #[uniffi(default = None)]
    pub device_id: Option<String>,
    #[uniffi(default = None)]
    pub device_ip: Option<String>,
}

/// A deduction: charges the user under a contract.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeductionRequest {
    /// Short description such as "store brand-city branch-goods", 1 to 128 characters.
    pub description: String,
    /// HTTPS URL without query parameters for the `TRANSACTION.SUCCESS` notification.
    pub notify_url: String,
    /// Merchant order number and idempotency key, 1 to 32 characters.
    pub out_trade_no: String,
    /// Merchant category code, 1 to 16 characters.
    pub merchant_category_code: String,
    /// Contract to charge.
    pub contract_id: String,
    pub amount: DeductionAmount,
    /// Merchant data echoed in the query and notification, 1 to 127 characters.
    #[uniffi(default = None)]
    pub attach: Option<String>,
    /// Tag for coupon rules.
    #[uniffi(default = None)]
    pub goods_tag: Option<String>,
    #[uniffi(default = None)]
    pub scene_info: Option<SceneInfo>,
}

impl From<DeductionRequest> for papay::DeductionRequest {
    fn from(r: DeductionRequest) -> Self {
        Self {
            description: r.description,
            attach: r.attach,
            notify_url: r.notify_url,
            out_trade_no: r.out_trade_no,
            goods_tag: r.goods_tag,
            merchant_category_code: r.merchant_category_code,
            contract_id: r.contract_id,
            amount: papay::DeductionAmount { total: r.amount.total, currency: r.amount.currency },
            scene_info: r.scene_info.map(|s| papay::SceneInfo { device_id: s.device_id, device_ip: s.device_ip }),
        }
    }
}

/// Amount of an order as WeChat Pay reports it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OrderAmount {
    /// Order amount, minor units of `currency`.
    pub total: i64,
    pub currency: String,
    /// Amount charged to the user, minor units of `payer_currency`.
    pub payer_total: Option<i64>,
    pub payer_currency: Option<String>,
    pub exchange_rate: Option<ExchangeRate>,
}

/// A discount applied to an order.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PromotionDetail {
    pub promotion_id: String,
    pub name: Option<String>,
    /// `GLOBAL` or `SINGLE`.
    pub scope: Option<String>,
    /// `COUPON` or `DISCOUNT`.
    pub promotion_type: Option<String>,
    pub amount: i64,
    pub currency: String,
    pub activity_id: Option<String>,
    pub wxpay_contribute_amount: Option<i64>,
    pub merchant_contribute_amount: Option<i64>,
    pub other_contribute_amount: Option<i64>,
}

/// An Auto-Debit order: the deduction response, the order queries and the decrypted
/// `TRANSACTION.SUCCESS` resource.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Order {
    pub identity: ResponseIdentity,
    pub out_trade_no: String,
    /// WeChat Pay order number; absent while unpaid.
    pub transaction_id: Option<String>,
    pub attach: Option<String>,
    /// `AUTH` for Auto-Debit deductions.
    pub trade_type: Option<String>,
    /// `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `PAYERROR`, `USERPAYING`, `REVOKED`, or a value
    /// WeChat Pay added later.
    pub trade_state: String,
    pub trade_state_desc: Option<String>,
    pub bank_type: Option<String>,
    pub success_time: Option<String>,
    pub payer: Option<Payer>,
    pub amount: OrderAmount,
    pub merchant_category_code: Option<String>,
    pub scene_info: Option<SceneInfo>,
    /// Discounts applied; empty when none.
    pub promotion_detail: Vec<PromotionDetail>,
}

impl From<papay::Order> for Order {
    fn from(o: papay::Order) -> Self {
        Self {
            identity: o.identity.into(),
            out_trade_no: o.out_trade_no,
            transaction_id: o.transaction_id,
            attach: o.attach,
            trade_type: o.trade_type,
            trade_state: o.trade_state.as_str().to_owned(),
            trade_state_desc: o.trade_state_desc,
            bank_type: o.bank_type,
            success_time: format_time_opt(o.success_time),
            payer: o.payer.map(Payer::from),
            amount: OrderAmount {
                total: o.amount.total,
                currency: o.amount.currency,
                payer_total: o.amount.payer_total,
                payer_currency: o.amount.payer_currency,
                exchange_rate: o.amount.exchange_rate.map(ExchangeRate::from),
            },
            merchant_category_code: o.merchant_category_code,
            scene_info: o.scene_info.map(|s| SceneInfo { device_id: s.device_id, device_ip: s.device_ip }),
            promotion_detail: o
                .promotion_detail
                .unwrap_or_default()
                .into_iter()
                .map(|p| PromotionDetail {
                    promotion_id: p.promotion_id,
                    name: p.name,
                    scope: p.scope,
                    promotion_type: p.promotion_type,
                    amount: p.amount,
                    currency: p.currency,
                    activity_id: p.activity_id,
                    wxpay_contribute_amount: p.wxpay_contribute_amount,
                    merchant_contribute_amount: p.merchant_contribute_amount,
                    other_contribute_amount: p.other_contribute_amount,
                })
                .collect(),
        }
    }
}

// ----- refunds -----

/// Identifies an order by WeChat Pay's number or the merchant's.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum OrderRef {
    /// WeChat Pay order number.
    TransactionId { transaction_id: String },
    /// Merchant order number.
    OutTradeNo { out_trade_no: String },
}

impl From<OrderRef> for papay::OrderRef {
    fn from(order: OrderRef) -> Self {
        match order {
            OrderRef::TransactionId { transaction_id } => papay::OrderRef::TransactionId(transaction_id),
            OrderRef::OutTradeNo { out_trade_no } => papay::OrderRef::OutTradeNo(out_trade_no),
        }
    }
}

/// Amount of a refund request.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundRequestAmount {
    /// Amount to refund, minor units.
    pub refund: i64,
    /// Original order amount.
    pub total: i64,
    /// Order currency.
    pub currency: String,
}

/// A refund application.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundRequest {
    pub order: OrderRef,
    /// Merchant refund number and idempotency key: 1 to 64 letters, digits or `_-|*@`.
    pub out_refund_no: String,
    pub amount: RefundRequestAmount,
    /// Reason shown to the user, 1 to 80 characters.
    #[uniffi(default = None)]
    pub reason: Option<String>,
    /// `REFUND_SOURCE_UNSETTLED_FUNDS` (WeChat Pay's default) or `REFUND_SOURCE_RECHARGE_FUNDS`.
    #[uniffi(default = None)]
    pub source: Option<String>,
    /// HTTPS URL for the refund notification; without it none is sent.
    #[uniffi(default = None)]
    pub notify_url: Option<String>,
}

impl From<RefundRequest> for papay::RefundRequest {
    fn from(r: RefundRequest) -> Self {
        Self {
            order: r.order.into(),
            out_refund_no: r.out_refund_no,
            reason: r.reason,
            source: r.source.map(|s| papay::FundSource::parse(&s)),
            amount: papay::RefundRequestAmount {
                refund: r.amount.refund,
                total: r.amount.total,
                currency: r.amount.currency,
            },
            notify_url: r.notify_url,
        }
    }
}

/// Amount of a refund as WeChat Pay reports it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundAmount {
    /// Refund amount, minor units of `currency`.
    pub refund: i64,
    pub currency: String,
    pub total: Option<i64>,
    pub payer_refund: Option<i64>,
    pub payer_total: Option<i64>,
    pub payer_currency: Option<String>,
    pub exchange_rate: Option<ExchangeRate>,
}

impl From<papay::RefundAmount> for RefundAmount {
    fn from(a: papay::RefundAmount) -> Self {
        Self {
            refund: a.refund,
            currency: a.currency,
            total: a.total,
            payer_refund: a.payer_refund,
            payer_total: a.payer_total,
            payer_currency: a.payer_currency,
            exchange_rate: a.exchange_rate.map(ExchangeRate::from),
        }
    }
}

/// A refunded promotion.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundPromotion {
    pub promotion_id: String,
    pub scope: Option<String>,
    pub promotion_type: Option<String>,
    pub amount: Option<i64>,
    pub refund_amount: Option<i64>,
    pub currency: Option<String>,
}

/// A refund: the apply response, the single queries and the items of the list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Refund {
    /// WeChat Pay refund id.
    pub id: String,
    pub out_refund_no: String,
    pub transaction_id: Option<String>,
    pub out_trade_no: Option<String>,
    /// `ORIGINAL`, `BALANCE`, `OTHER_BALANCE`, `OTHER_BANKCARD`, or a later value.
    pub channel: Option<String>,
    pub recv_account: Option<String>,
    pub fund_source: Option<String>,
    pub success_time: Option<String>,
    pub create_time: Option<String>,
    /// `SUCCESS`, `PROCESSING`, `ABNORMAL`, `REFUNDCLOSE` (also for a `CLOSED` on the wire), or
    /// a later value; absent in the apply response, which only means "accepted".
    pub status: Option<String>,
    pub amount: RefundAmount,
    /// Refunded promotions; empty when none.
    pub promotion_detail: Vec<RefundPromotion>,
}

impl From<papay::Refund> for Refund {
    fn from(r: papay::Refund) -> Self {
        Self {
            id: r.id,
            out_refund_no: r.out_refund_no,
            transaction_id: r.transaction_id,
            out_trade_no: r.out_trade_no,
            channel: r.channel.map(|c| c.as_str().to_owned()),
            recv_account: r.recv_account,
            fund_source: r.fund_source.map(|s| s.as_str().to_owned()),
            success_time: format_time_opt(r.success_time),
            create_time: format_time_opt(r.create_time),
            status: r.status.map(|s| s.as_str().to_owned()),
            amount: r.amount.into(),
            promotion_detail: r
                .promotion_detail
                .unwrap_or_default()
                .into_iter()
                .map(|p| RefundPromotion {
                    promotion_id: p.promotion_id,
                    scope: p.scope,
                    promotion_type: p.promotion_type,
                    amount: p.amount,
                    refund_amount: p.refund_amount,
                    currency: p.currency,
                })
                .collect(),
        }
    }
}

/// One page of an order's refunds.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundListRequest {
    pub order: OrderRef,
    /// Zero-based index of the first refund.
    #[uniffi(default = 0)]
    pub offset: i32,
    /// Page size, 1 to 20.
    #[uniffi(default = 10)]
    pub count: i32,
}

impl TryFrom<RefundListRequest> for papay::RefundListRequest {
    type Error = crate::error::PayError;

    fn try_from(r: RefundListRequest) -> PayResult<Self> {
        let offset = u32::try_from(r.offset)
            .map_err(|_| invalid_argument("offset", format!("must not be negative, got {}", r.offset)))?;
        let count = u32::try_from(r.count)
            .map_err(|_| invalid_argument("count", format!("must be 1 to 20, got {}", r.count)))?;
        Ok(Self { order: r.order.into(), offset, count })
    }
}

/// Order amounts in the refund list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundListOrderAmount {
    pub total: i64,
    pub currency: String,
    pub payer_total: Option<i64>,
    pub payer_currency: Option<String>,
}

/// Response of the refund list: one page of an order's refunds.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RefundList {
    /// WeChat Pay **order** number (not a refund id).
    pub id: String,
    pub identity: ResponseIdentity,
    pub out_trade_no: String,
    pub amount: RefundListOrderAmount,
    /// Refunds on this page.
    pub data: Vec<Refund>,
    /// Number of refunds of the order.
    pub total_num: i64,
    /// Number of refunds on this page.
    pub current_total_num: i64,
}

impl From<papay::RefundList> for RefundList {
    fn from(l: papay::RefundList) -> Self {
        Self {
            id: l.id,
            identity: l.identity.into(),
            out_trade_no: l.out_trade_no,
            amount: RefundListOrderAmount {
                total: l.amount.total,
                currency: l.amount.currency,
                payer_total: l.amount.payer_total,
                payer_currency: l.amount.payer_currency,
            },
            data: l.data.into_iter().map(Refund::from).collect(),
            total_num: i64::from(l.total_num),
            current_total_num: i64::from(l.current_total_num),
        }
    }
}

// ----- certificates -----

/// A WeChat Pay platform certificate.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PlatformCertificate {
    /// Serial number, upper-case hexadecimal.
    pub serial_no: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// The certificate as PEM.
    pub pem: String,
}

impl From<papay::PlatformCertificate> for PlatformCertificate {
    fn from(c: papay::PlatformCertificate) -> Self {
        Self {
            serial_no: c.serial_no().to_owned(),
            not_before: c.not_before().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            not_after: c.not_after().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            pem: c.pem().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_time_rejects_non_rfc3339() {
        let result = parse_time_opt("expired_time", Some("2030-01-01 12:00".into()));
        assert!(
            matches!(result, Err(crate::error::PayError::InvalidArgument { ref field, .. }) if field == "expired_time")
        );
    }

    #[test]
    fn expired_time_keeps_offset() {
        let parsed = parse_time_opt("expired_time", Some("2030-01-01T12:00:00+08:00".into())).ok().flatten();
        assert_eq!(parsed.map(format_time).as_deref(), Some("2030-01-01T12:00:00+08:00"));
    }

    #[test]
    fn negative_plan_id_names_field() {
        let result = plan_id_in(-1);
        assert!(matches!(result, Err(crate::error::PayError::InvalidArgument { ref field, .. }) if field == "plan_id"));
    }
}
