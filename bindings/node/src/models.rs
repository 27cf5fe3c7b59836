//! JavaScript shapes of the core's requests and responses, and the conversions between them.
//!
//! Every field is the core's field in camelCase. Amounts cross as JavaScript numbers. A request
//! amount must be a safe integer (at most `Number.MAX_SAFE_INTEGER`, 2^53 - 1), or the call fails
//! with INVALID_ARGUMENT naming the field. A response amount beyond that range fails the call
//! with MALFORMED_MESSAGE instead of arriving rounded. Times are RFC 3339 strings with
//! their offset, the form WeChat Pay sends, e.g. `2030-01-01T12:00:00+08:00`. Enumerations are
//! strings, and values this version does not know arrive unchanged.

use std::collections::HashMap;

use napi::Result;
use napi_derive::napi;

use crate::error::{invalid_argument, malformed};

/// Largest integer a JavaScript number represents exactly: `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Converts a request amount or id from a JavaScript number, rejecting fractions and values a
/// number cannot hold exactly.
pub fn to_i64(field: &str, value: f64) -> Result<i64> {
    if !value.is_finite() || value.fract() != 0.0 || value.abs() > MAX_SAFE_INTEGER as f64 {
        return Err(invalid_argument(
            field,
            format!("must be an integer between -(2^53 - 1) and 2^53 - 1 (Number.MAX_SAFE_INTEGER), got {value}"),
        ));
    }
    Ok(value as i64)
}

fn to_u64(field: &str, value: f64) -> Result<u64> {
    let integer = to_i64(field, value)?;
    u64::try_from(integer).map_err(|_| invalid_argument(field, format!("must not be negative, got {value}")))
}

/// Converts a response integer to a JavaScript number, failing instead of rounding.
fn to_number(field: &str, value: i64) -> Result<f64> {
    if value.abs() > MAX_SAFE_INTEGER {
        return Err(malformed(
            field,
            format!("{value} exceeds Number.MAX_SAFE_INTEGER and cannot be represented exactly in JavaScript"),
        ));
    }
    Ok(value as f64)
}

fn to_number_opt(field: &str, value: Option<i64>) -> Result<Option<f64>> {
    value.map(|v| to_number(field, v)).transpose()
}

fn plan_id_to_number(value: u64) -> Result<f64> {
    to_number("plan_id", i64::try_from(value).unwrap_or(i64::MAX))
}

/// Formats a time as RFC 3339 with its original offset, keeping sub-second digits only when
/// present.
fn time(value: &papay::Timestamp) -> String {
    value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

fn time_opt(value: &Option<papay::Timestamp>) -> Option<String> {
    value.as_ref().map(time)
}

fn parse_time(field: &str, value: Option<String>) -> Result<Option<papay::Timestamp>> {
    value
        .map(|text| {
            chrono::DateTime::parse_from_rfc3339(&text).map_err(|e| {
                invalid_argument(
                    field,
                    format!(
                        "must be an RFC 3339 time with offset such as 2030-01-01T12:00:00+08:00, got {text:?}: {e}"
                    ),
                )
            })
        })
        .transpose()
}

// ----- signing -----

/// Mini Program pre-sign request (`POST /v3/global/papay/contracts/miniprogram-pre-entrust-sign`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct MiniProgramPreSignRequest {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: f64,
    /// Merchant contract number, unique per merchant and never reused, 1 to 32 characters.
    pub out_contract_code: String,
    /// Account name shown on the signing page, 1 to 32 characters of 1 to 3 UTF-8 bytes each.
    pub user_display_name: Option<String>,
    /// HTTPS URL, without query parameters, that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// Expiry of the signing session, RFC 3339 with offset.
    pub expired_time: Option<String>,
    /// The user's openid under the calling AppID.
    pub openid: String,
    /// The user's client IP.
    pub user_client_ip: Option<String>,
}

/// H5 (mobile browser) pre-sign request (`POST /v3/global/papay/contracts/h5-pre-entrust-sign`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct H5PreSignRequest {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: f64,
    /// Merchant contract number, 1 to 32 characters.
    pub out_contract_code: String,
    /// Account name shown on the signing page.
    pub user_display_name: Option<String>,
    /// HTTPS URL that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// Expiry of the signing session, RFC 3339 with offset.
    pub expired_time: Option<String>,
    /// The user's client IP.
    pub user_client_ip: Option<String>,
    /// App to return to after signing.
    pub return_appid: Option<String>,
    /// Page to return to after signing; its prefix must be registered with the template.
    pub return_url: Option<String>,
}

/// JSAPI (inside WeChat) pre-sign request (`POST /v3/global/papay/contracts/jsapi-pre-entrust-sign`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct JsapiPreSignRequest {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: f64,
    /// Merchant contract number, 1 to 32 characters.
    pub out_contract_code: String,
    /// Account name shown on the signing page.
    pub user_display_name: Option<String>,
    /// HTTPS URL that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// Expiry of the signing session, RFC 3339 with offset.
    pub expired_time: Option<String>,
    /// The user's openid under the calling AppID.
    pub openid: String,
    /// Page to return to after signing.
    pub return_url: Option<String>,
}

/// PC Web (QR code) pre-sign request (`POST /v3/global/papay/contracts/web-pre-entrust-sign`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WebPreSignRequest {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: f64,
    /// Merchant contract number, 1 to 32 characters.
    pub out_contract_code: String,
    /// Account name shown on the signing page.
    pub user_display_name: Option<String>,
    /// HTTPS URL that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// Expiry of the signing session, RFC 3339 with offset.
    pub expired_time: Option<String>,
    /// Page to return to after signing.
    pub return_url: Option<String>,
}

/// APP pre-sign request (`POST /v3/global/papay/contracts/app-pre-entrust-sign`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct AppPreSignRequest {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: f64,
    /// Merchant contract number, 1 to 32 characters.
    pub out_contract_code: String,
    /// Account name shown on the signing page; required for APP signing.
    pub user_display_name: Option<String>,
    /// HTTPS URL that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// Expiry of the signing session, RFC 3339 with offset.
    pub expired_time: Option<String>,
    /// The user's openid under the app's AppID, when known.
    pub openid: Option<String>,
    /// The user's client IP.
    pub user_client_ip: Option<String>,
}

fn pre_sign_common(
    plan_id: f64,
    out_contract_code: String,
    user_display_name: Option<String>,
    success_notify_url: String,
    expired_time: Option<String>,
) -> Result<papay::PreSignCommon> {
    Ok(papay::PreSignCommon {
        plan_id: to_u64("plan_id", plan_id)?,
        out_contract_code,
        user_display_name,
        success_notify_url,
        expired_time: parse_time("expired_time", expired_time)?,
    })
}

impl TryFrom<MiniProgramPreSignRequest> for papay::MiniProgramPreSignRequest {
    type Error = napi::Error;
    fn try_from(r: MiniProgramPreSignRequest) -> Result<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.user_display_name,
                r.success_notify_url,
                r.expired_time,
            )?,
            openid: r.openid,
            user_client_ip: r.user_client_ip,
        })
    }
}

impl TryFrom<H5PreSignRequest> for papay::H5PreSignRequest {
    type Error = napi::Error;
    fn try_from(r: H5PreSignRequest) -> Result<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.user_display_name,
                r.success_notify_url,
                r.expired_time,
            )?,
            user_client_ip: r.user_client_ip,
            return_appid: r.return_appid,
            return_url: r.return_url,
        })
    }
}

impl TryFrom<JsapiPreSignRequest> for papay::JsapiPreSignRequest {
    type Error = napi::Error;
    fn try_from(r: JsapiPreSignRequest) -> Result<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.user_display_name,
                r.success_notify_url,
                r.expired_time,
            )?,
            openid: r.openid,
            return_url: r.return_url,
        })
    }
}

impl TryFrom<WebPreSignRequest> for papay::WebPreSignRequest {
    type Error = napi::Error;
    fn try_from(r: WebPreSignRequest) -> Result<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.user_display_name,
                r.success_notify_url,
                r.expired_time,
            )?,
            return_url: r.return_url,
        })
    }
}

impl TryFrom<AppPreSignRequest> for papay::AppPreSignRequest {
    type Error = napi::Error;
    fn try_from(r: AppPreSignRequest) -> Result<Self> {
        Ok(Self {
            common: pre_sign_common(
                r.plan_id,
                r.out_contract_code,
                r.user_display_name,
                r.success_notify_url,
                r.expired_time,
            )?,
            openid: r.openid,
            user_client_ip: r.user_client_ip,
        })
    }
}

/// Response of the Mini Program and APP pre-sign calls.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SessionIdResponse {
    /// Signing session id the client hands to WeChat.
    pub session_id: String,
}

/// Response of the H5 and JSAPI pre-sign calls.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SignUrlResponse {
    /// URL the page navigates to.
    pub sign_url: String,
}

/// Response of the PC Web pre-sign call.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ShowCodeUrlResponse {
    /// URL to render as a QR code (see `qrCodeSvg`).
    pub show_code_url: String,
}

impl From<papay::SessionIdResponse> for SessionIdResponse {
    fn from(r: papay::SessionIdResponse) -> Self {
        Self { session_id: r.session_id }
    }
}

impl From<papay::SignUrlResponse> for SignUrlResponse {
    fn from(r: papay::SignUrlResponse) -> Self {
        Self { sign_url: r.sign_url }
    }
}

impl From<papay::ShowCodeUrlResponse> for ShowCodeUrlResponse {
    fn from(r: papay::ShowCodeUrlResponse) -> Self {
        Self { show_code_url: r.show_code_url }
    }
}

// ----- contracts -----

/// A contract as returned by the two contract queries.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Contract {
    /// Merchant id (Common mode).
    pub mchid: Option<String>,
    /// AppID (Common mode).
    pub appid: Option<String>,
    /// Institution merchant id (Institutional mode).
    pub sp_mchid: Option<String>,
    /// Institution AppID (Institutional mode).
    pub sp_appid: Option<String>,
    /// Sub-merchant id (Institutional mode).
    pub sub_mchid: Option<String>,
    /// Sub-merchant AppID (Institutional mode).
    pub sub_appid: Option<String>,
    /// WeChat Pay contract id; deductions use it.
    pub contract_id: String,
    /// Template id.
    pub plan_id: f64,
    /// Merchant contract number given at signing.
    pub out_contract_code: String,
    /// Display name given at signing.
    pub user_display_name: Option<String>,
    /// The user's openid under the signing AppID.
    pub openid: Option<String>,
    /// Contract state: `SIGNED`, `TERMINATED`, or a value this version does not know.
    pub state: String,
    /// When the contract was signed, RFC 3339.
    pub signed_time: Option<String>,
    /// When the contract was terminated, RFC 3339.
    pub terminated_time: Option<String>,
    /// How it was terminated: `USER`, `MERCHANT`, `PLATFORM`, `EXPIRED` or another value.
    pub termination_mode: Option<String>,
    /// Termination remark.
    pub termination_note: Option<String>,
}

impl TryFrom<papay::Contract> for Contract {
    type Error = napi::Error;
    fn try_from(c: papay::Contract) -> Result<Self> {
        Ok(Self {
            mchid: c.identity.mchid,
            appid: c.identity.appid,
            sp_mchid: c.identity.sp_mchid,
            sp_appid: c.identity.sp_appid,
            sub_mchid: c.identity.sub_mchid,
            sub_appid: c.identity.sub_appid,
            contract_id: c.contract_id,
            plan_id: plan_id_to_number(c.plan_id)?,
            out_contract_code: c.out_contract_code,
            user_display_name: c.user_display_name,
            openid: c.openid,
            state: c.state.to_string(),
            signed_time: time_opt(&c.signed_time),
            terminated_time: time_opt(&c.terminated_time),
            termination_mode: c.termination_mode.map(|m| m.to_string()),
            termination_note: c.termination_note,
        })
    }
}

/// Body of the terminate call.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct TerminateContractRequest {
    /// Reason for terminating, 1 to 256 characters.
    pub termination_note: String,
}

/// Decrypted resource of the `PAPAY.SIGN` and `PAPAY.TERMINATE` notifications.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ContractNotification {
    /// Merchant id (Common mode).
    pub mchid: Option<String>,
    /// AppID (Common mode).
    pub appid: Option<String>,
    /// Institution merchant id (Institutional mode).
    pub sp_mchid: Option<String>,
    /// Institution AppID (Institutional mode).
    pub sp_appid: Option<String>,
    /// Sub-merchant id (Institutional mode); route notifications on it.
    pub sub_mchid: Option<String>,
    /// Sub-merchant AppID (Institutional mode).
    pub sub_appid: Option<String>,
    /// Merchant contract number.
    pub out_contract_code: String,
    /// Template id.
    pub plan_id: f64,
    /// WeChat Pay contract id.
    pub contract_id: String,
    /// The user's openid.
    pub openid: Option<String>,
    /// Openid under `spAppid`.
    pub sp_openid: Option<String>,
    /// Openid under `subAppid`.
    pub sub_openid: Option<String>,
    /// Time of the signing or termination, RFC 3339.
    pub operate_time: Option<String>,
    /// Contract expiry, RFC 3339.
    pub contract_expired_time: Option<String>,
    /// How the contract ended (termination only).
    pub contract_termination_mode: Option<String>,
}

impl TryFrom<papay::ContractNotification> for ContractNotification {
    type Error = napi::Error;
    fn try_from(c: papay::ContractNotification) -> Result<Self> {
        Ok(Self {
            mchid: c.identity.mchid,
            appid: c.identity.appid,
            sp_mchid: c.identity.sp_mchid,
            sp_appid: c.identity.sp_appid,
            sub_mchid: c.identity.sub_mchid,
            sub_appid: c.identity.sub_appid,
            out_contract_code: c.out_contract_code,
            plan_id: plan_id_to_number(c.plan_id)?,
            contract_id: c.contract_id,
            openid: c.openid,
            sp_openid: c.sp_openid,
            sub_openid: c.sub_openid,
            operate_time: time_opt(&c.operate_time),
            contract_expired_time: time_opt(&c.contract_expired_time),
            contract_termination_mode: c.contract_termination_mode.map(|m| m.to_string()),
        })
    }
}

// ----- deductions and orders -----

/// Amount of a deduction request.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct DeductionAmount {
    /// Amount in minor units of `currency`; a safe integer.
    pub total: f64,
    /// ISO 4217 code, e.g. `HKD`.
    pub currency: String,
}

/// Merchant device information.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SceneInfo {
    /// Merchant device id.
    pub device_id: Option<String>,
    /// Merchant device IP.
    pub device_ip: Option<String>,
}

/// Deduction request (`POST /v3/global/papay/transactions`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct DeductionRequest {
    /// Short description, 1 to 128 characters.
    pub description: String,
    /// Merchant data echoed in the query and notification, 1 to 127 characters.
    pub attach: Option<String>,
    /// HTTPS URL, without query parameters, for the `TRANSACTION.SUCCESS` notification.
    pub notify_url: String,
    /// Merchant order number and idempotency key, 1 to 32 characters.
    pub out_trade_no: String,
    /// Tag for coupon rules.
    pub goods_tag: Option<String>,
    /// Merchant category code, 1 to 16 characters.
    pub merchant_category_code: String,
    /// Contract to charge.
    pub contract_id: String,
    /// Amount to charge.
    pub amount: DeductionAmount,
    /// Device information.
    pub scene_info: Option<SceneInfo>,
}

impl TryFrom<DeductionRequest> for papay::DeductionRequest {
    type Error = napi::Error;
    fn try_from(r: DeductionRequest) -> Result<Self> {
        Ok(Self {
            description: r.description,
            attach: r.attach,
            notify_url: r.notify_url,
            out_trade_no: r.out_trade_no,
            goods_tag: r.goods_tag,
            merchant_category_code: r.merchant_category_code,
            contract_id: r.contract_id,
            amount: papay::DeductionAmount {
                total: to_i64("amount.total", r.amount.total)?,
                currency: r.amount.currency,
            },
            scene_info: r.scene_info.map(|s| papay::SceneInfo { device_id: s.device_id, device_ip: s.device_ip }),
        })
    }
}

/// Exchange rate between the order currency and the user's currency.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ExchangeRate {
    /// `SETTLEMENT_RATE`, `USERPAYMENT_RATE` or another value.
    #[napi(js_name = "type")]
    pub rate_type: Option<String>,
    /// Rate multiplied by 10^8.
    pub rate: Option<f64>,
}

fn exchange_rate(field: &str, rate: Option<papay::ExchangeRate>) -> Result<Option<ExchangeRate>> {
    rate.map(|r| {
        Ok(ExchangeRate { rate_type: r.rate_type.map(|t| t.to_string()), rate: to_number_opt(field, r.rate)? })
    })
    .transpose()
}

/// A WeChat user as identified in responses.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Payer {
    /// Openid under `appid` (Common mode).
    pub openid: Option<String>,
    /// Openid under `spAppid` (Institutional mode).
    pub sp_openid: Option<String>,
    /// Openid under `subAppid` (Institutional mode).
    pub sub_openid: Option<String>,
}

/// Amount of an order as WeChat Pay reports it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct OrderAmount {
    /// Order amount in minor units of `currency`.
    pub total: f64,
    /// Order currency.
    pub currency: String,
    /// Amount charged to the user, in minor units of `payerCurrency`.
    pub payer_total: Option<f64>,
    /// The user's currency.
    pub payer_currency: Option<String>,
    /// Exchange rate applied.
    pub exchange_rate: Option<ExchangeRate>,
}

/// A discount applied to an order.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PromotionDetail {
    /// Coupon id.
    pub promotion_id: String,
    /// Promotion name.
    pub name: Option<String>,
    /// `GLOBAL` or `SINGLE`.
    pub scope: Option<String>,
    /// `COUPON` or `DISCOUNT`.
    #[napi(js_name = "type")]
    pub promotion_type: Option<String>,
    /// Discount amount.
    pub amount: f64,
    /// Discount currency.
    pub currency: String,
    /// Campaign id.
    pub activity_id: Option<String>,
    /// Part funded by WeChat Pay.
    pub wxpay_contribute_amount: Option<f64>,
    /// Part funded by the merchant.
    pub merchant_contribute_amount: Option<f64>,
    /// Part funded by others.
    pub other_contribute_amount: Option<f64>,
}

/// An Auto-Debit order: the deduction response, the order queries and the `TRANSACTION.SUCCESS`
/// resource.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Order {
    /// Merchant id (Common mode).
    pub mchid: Option<String>,
    /// AppID (Common mode).
    pub appid: Option<String>,
    /// Institution merchant id (Institutional mode).
    pub sp_mchid: Option<String>,
    /// Institution AppID (Institutional mode).
    pub sp_appid: Option<String>,
    /// Sub-merchant id (Institutional mode).
    pub sub_mchid: Option<String>,
    /// Sub-merchant AppID (Institutional mode).
    pub sub_appid: Option<String>,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat Pay order number; absent while unpaid.
    pub transaction_id: Option<String>,
    /// Merchant data echoed back.
    pub attach: Option<String>,
    /// `AUTH` for Auto-Debit deductions.
    pub trade_type: Option<String>,
    /// `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `PAYERROR`, `USERPAYING`, `REVOKED` or another value.
    pub trade_state: String,
    /// Human-readable state description.
    pub trade_state_desc: Option<String>,
    /// Payer bank or channel code.
    pub bank_type: Option<String>,
    /// Payment completion time, RFC 3339.
    pub success_time: Option<String>,
    /// The user who paid.
    pub payer: Option<Payer>,
    /// Amounts.
    pub amount: OrderAmount,
    /// Merchant category code echoed back.
    pub merchant_category_code: Option<String>,
    /// Device information echoed back.
    pub scene_info: Option<SceneInfo>,
    /// Discounts applied.
    pub promotion_detail: Option<Vec<PromotionDetail>>,
}

impl TryFrom<papay::Order> for Order {
    type Error = napi::Error;
    fn try_from(o: papay::Order) -> Result<Self> {
        let promotion_detail = o
            .promotion_detail
            .map(|list| {
                list.into_iter()
                    .map(|p| {
                        Ok(PromotionDetail {
                            promotion_id: p.promotion_id,
                            name: p.name,
                            scope: p.scope,
                            promotion_type: p.promotion_type,
                            amount: to_number("promotion_detail.amount", p.amount)?,
                            currency: p.currency,
                            activity_id: p.activity_id,
                            wxpay_contribute_amount: to_number_opt(
                                "promotion_detail.wxpay_contribute_amount",
                                p.wxpay_contribute_amount,
                            )?,
                            merchant_contribute_amount: to_number_opt(
                                "promotion_detail.merchant_contribute_amount",
                                p.merchant_contribute_amount,
                            )?,
                            other_contribute_amount: to_number_opt(
                                "promotion_detail.other_contribute_amount",
                                p.other_contribute_amount,
                            )?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        Ok(Self {
            mchid: o.identity.mchid,
            appid: o.identity.appid,
            sp_mchid: o.identity.sp_mchid,
            sp_appid: o.identity.sp_appid,
            sub_mchid: o.identity.sub_mchid,
            sub_appid: o.identity.sub_appid,
            out_trade_no: o.out_trade_no,
            transaction_id: o.transaction_id,
            attach: o.attach,
            trade_type: o.trade_type,
            trade_state: o.trade_state.to_string(),
            trade_state_desc: o.trade_state_desc,
            bank_type: o.bank_type,
            success_time: time_opt(&o.success_time),
            payer: o.payer.map(|p| Payer { openid: p.openid, sp_openid: p.sp_openid, sub_openid: p.sub_openid }),
            amount: OrderAmount {
                total: to_number("amount.total", o.amount.total)?,
                currency: o.amount.currency,
                payer_total: to_number_opt("amount.payer_total", o.amount.payer_total)?,
                payer_currency: o.amount.payer_currency,
                exchange_rate: exchange_rate("amount.exchange_rate.rate", o.amount.exchange_rate)?,
            },
            merchant_category_code: o.merchant_category_code,
            scene_info: o.scene_info.map(|s| SceneInfo { device_id: s.device_id, device_ip: s.device_ip }),
            promotion_detail,
        })
    }
}

// ----- refunds -----

/// Amount of a refund request.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundRequestAmount {
    /// Amount to refund, minor units; a safe integer.
    pub refund: f64,
    /// Original order amount, minor units; a safe integer.
    pub total: f64,
    /// Order currency.
    pub currency: String,
}

/// Refund request (`POST /v3/global/refunds`). Give exactly one of `transactionId` and
/// `outTradeNo`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// WeChat Pay order number of the order to refund.
    pub transaction_id: Option<String>,
    /// Merchant order number of the order to refund.
    pub out_trade_no: Option<String>,
    /// Merchant refund number and idempotency key, 1 to 64 characters.
    pub out_refund_no: String,
    /// Reason shown to the user, 1 to 80 characters.
    pub reason: Option<String>,
    /// `REFUND_SOURCE_UNSETTLED_FUNDS` (WeChat Pay's default) or `REFUND_SOURCE_RECHARGE_FUNDS`.
    pub source: Option<String>,
    /// Amounts.
    pub amount: RefundRequestAmount,
    /// HTTPS URL for the refund notification; without it none is sent.
    pub notify_url: Option<String>,
}

fn order_ref(transaction_id: Option<String>, out_trade_no: Option<String>) -> Result<papay::OrderRef> {
    match (transaction_id, out_trade_no) {
        (Some(id), None) => Ok(papay::OrderRef::TransactionId(id)),
        (None, Some(no)) => Ok(papay::OrderRef::OutTradeNo(no)),
        (Some(_), Some(_)) => {
            Err(invalid_argument("transaction_id", "and outTradeNo were both given; give exactly one"))
        }
        (None, None) => Err(invalid_argument("out_trade_no", "or transactionId is required")),
    }
}

impl TryFrom<RefundRequest> for papay::RefundRequest {
    type Error = napi::Error;
    fn try_from(r: RefundRequest) -> Result<Self> {
        Ok(Self {
            order: order_ref(r.transaction_id, r.out_trade_no)?,
            out_refund_no: r.out_refund_no,
            reason: r.reason,
            source: r.source.as_deref().map(papay::FundSource::parse),
            amount: papay::RefundRequestAmount {
                refund: to_i64("amount.refund", r.amount.refund)?,
                total: to_i64("amount.total", r.amount.total)?,
                currency: r.amount.currency,
            },
            notify_url: r.notify_url,
        })
    }
}

/// Amount of a refund as WeChat Pay reports it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundAmount {
    /// Refund amount, minor units of `currency`.
    pub refund: f64,
    /// Refund currency.
    pub currency: String,
    /// Original order amount.
    pub total: Option<f64>,
    /// Amount returned to the user in `payerCurrency`.
    pub payer_refund: Option<f64>,
    /// Amount the user paid for the order.
    pub payer_total: Option<f64>,
    /// The user's currency.
    pub payer_currency: Option<String>,
    /// Exchange rate applied.
    pub exchange_rate: Option<ExchangeRate>,
}

fn refund_amount(a: papay::RefundAmount) -> Result<RefundAmount> {
    Ok(RefundAmount {
        refund: to_number("amount.refund", a.refund)?,
        currency: a.currency,
        total: to_number_opt("amount.total", a.total)?,
        payer_refund: to_number_opt("amount.payer_refund", a.payer_refund)?,
        payer_total: to_number_opt("amount.payer_total", a.payer_total)?,
        payer_currency: a.payer_currency,
        exchange_rate: exchange_rate("amount.exchange_rate.rate", a.exchange_rate)?,
    })
}

/// A refunded promotion.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundPromotion {
    /// Coupon id.
    pub promotion_id: String,
    /// `GLOBAL` or `SINGLE`.
    pub scope: Option<String>,
    /// `COUPON` or `DISCOUNT`.
    #[napi(js_name = "type")]
    pub promotion_type: Option<String>,
    /// Promotion amount.
    pub amount: Option<f64>,
    /// Refunded part of it.
    pub refund_amount: Option<f64>,
    /// Currency.
    pub currency: Option<String>,
}

/// A refund: the apply response, the single queries and the items of the list.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Refund {
    /// WeChat Pay refund id.
    pub id: String,
    /// Merchant refund number.
    pub out_refund_no: String,
    /// WeChat Pay order number.
    pub transaction_id: Option<String>,
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// `ORIGINAL`, `BALANCE`, `OTHER_BALANCE`, `OTHER_BANKCARD` or another value.
    pub channel: Option<String>,
    /// Account credited, descriptive text.
    pub recv_account: Option<String>,
    /// Funding source.
    pub fund_source: Option<String>,
    /// When the refund succeeded, RFC 3339.
    pub success_time: Option<String>,
    /// When the refund was created, RFC 3339.
    pub create_time: Option<String>,
    /// `SUCCESS`, `REFUNDCLOSE`, `PROCESSING`, `ABNORMAL` or another value; absent in the
    /// apply response. A closed refund reads `REFUNDCLOSE` whichever spelling WeChat Pay sent.
    pub status: Option<String>,
    /// Amounts.
    pub amount: RefundAmount,
    /// Refunded promotions.
    pub promotion_detail: Option<Vec<RefundPromotion>>,
}

impl TryFrom<papay::Refund> for Refund {
    type Error = napi::Error;
    fn try_from(r: papay::Refund) -> Result<Self> {
        let promotion_detail = r
            .promotion_detail
            .map(|list| {
                list.into_iter()
                    .map(|p| {
                        Ok(RefundPromotion {
                            promotion_id: p.promotion_id,
                            scope: p.scope,
                            promotion_type: p.promotion_type,
                            amount: to_number_opt("promotion_detail.amount", p.amount)?,
                            refund_amount: to_number_opt("promotion_detail.refund_amount", p.refund_amount)?,
                            currency: p.currency,
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        Ok(Self {
            id: r.id,
            out_refund_no: r.out_refund_no,
            transaction_id: r.transaction_id,
            out_trade_no: r.out_trade_no,
            channel: r.channel.map(|c| c.to_string()),
            recv_account: r.recv_account,
            fund_source: r.fund_source.map(|f| f.to_string()),
            success_time: time_opt(&r.success_time),
            create_time: time_opt(&r.create_time),
            status: r.status.map(|s| s.to_string()),
            amount: refund_amount(r.amount)?,
            promotion_detail,
        })
    }
}

/// Query of the refund list. Give exactly one of `transactionId` and `outTradeNo`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundListRequest {
    /// WeChat Pay order number.
    pub transaction_id: Option<String>,
    /// Merchant order number.
    pub out_trade_no: Option<String>,
    /// Zero-based index of the first refund; default 0.
    pub offset: Option<u32>,
    /// Page size, 1 to 20; default 10.
    pub count: Option<u32>,
}

impl TryFrom<RefundListRequest> for papay::RefundListRequest {
    type Error = napi::Error;
    fn try_from(r: RefundListRequest) -> Result<Self> {
        Ok(Self {
            order: order_ref(r.transaction_id, r.out_trade_no)?,
            offset: r.offset.unwrap_or(0),
            count: r.count.unwrap_or(10),
        })
    }
}

/// Order amounts in the refund list.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundListOrderAmount {
    /// Order amount.
    pub total: f64,
    /// Order currency.
    pub currency: String,
    /// Amount the user paid.
    pub payer_total: Option<f64>,
    /// The user's currency.
    pub payer_currency: Option<String>,
}

/// One page of an order's refunds.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundList {
    /// WeChat Pay **order** number (not a refund id).
    pub id: String,
    /// Merchant id (Common mode).
    pub mchid: Option<String>,
    /// AppID (Common mode).
    pub appid: Option<String>,
    /// Institution merchant id (Institutional mode).
    pub sp_mchid: Option<String>,
    /// Institution AppID (Institutional mode).
    pub sp_appid: Option<String>,
    /// Sub-merchant id (Institutional mode).
    pub sub_mchid: Option<String>,
    /// Sub-merchant AppID (Institutional mode).
    pub sub_appid: Option<String>,
    /// Merchant order number.
    pub out_trade_no: String,
    /// Order amounts.
    pub amount: RefundListOrderAmount,
    /// Refunds on this page.
    pub data: Vec<Refund>,
    /// Number of refunds of the order.
    pub total_num: u32,
    /// Number of refunds on this page.
    pub current_total_num: u32,
}

impl TryFrom<papay::RefundList> for RefundList {
    type Error = napi::Error;
    fn try_from(l: papay::RefundList) -> Result<Self> {
        Ok(Self {
            id: l.id,
            mchid: l.identity.mchid,
            appid: l.identity.appid,
            sp_mchid: l.identity.sp_mchid,
            sp_appid: l.identity.sp_appid,
            sub_mchid: l.identity.sub_mchid,
            sub_appid: l.identity.sub_appid,
            out_trade_no: l.out_trade_no,
            amount: RefundListOrderAmount {
                total: to_number("amount.total", l.amount.total)?,
                currency: l.amount.currency,
                payer_total: to_number_opt("amount.payer_total", l.amount.payer_total)?,
                payer_currency: l.amount.payer_currency,
            },
            data: l.data.into_iter().map(Refund::try_from).collect::<Result<Vec<_>>>()?,
            total_num: l.total_num,
            current_total_num: l.current_total_num,
        })
    }
}

/// Decrypted resource of the `REFUND.SUCCESS`, `REFUND.ABNORMAL` and `REFUND.CLOSED`
/// notifications.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RefundNotification {
    /// Merchant id (Common mode).
    pub mchid: Option<String>,
    /// AppID (Common mode).
    pub appid: Option<String>,
    /// Institution merchant id (Institutional mode).
    pub sp_mchid: Option<String>,
    /// Institution AppID (Institutional mode).
    pub sp_appid: Option<String>,
    /// Sub-merchant id (Institutional mode).
    pub sub_mchid: Option<String>,
    /// Sub-merchant AppID (Institutional mode).
    pub sub_appid: Option<String>,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat Pay order number.
    pub transaction_id: Option<String>,
    /// Merchant refund number.
    pub out_refund_no: String,
    /// WeChat Pay refund id.
    pub refund_id: String,
    /// `SUCCESS`, `REFUNDCLOSE`, `ABNORMAL` or another value. Notifications write the closed
    /// state `CLOSED` and queries `REFUNDCLOSE`; both arrive here as `REFUNDCLOSE`.
    pub refund_status: String,
    /// When the refund succeeded, RFC 3339.
    pub success_time: Option<String>,
    /// Account credited.
    pub recv_account: Option<String>,
    /// Funding source.
    pub fund_source: Option<String>,
    /// Amounts.
    pub amount: RefundAmount,
}

impl TryFrom<papay::RefundNotification> for RefundNotification {
    type Error = napi::Error;
    fn try_from(r: papay::RefundNotification) -> Result<Self> {
        Ok(Self {
            mchid: r.identity.mchid,
            appid: r.identity.appid,
            sp_mchid: r.identity.sp_mchid,
            sp_appid: r.identity.sp_appid,
            sub_mchid: r.identity.sub_mchid,
            sub_appid: r.identity.sub_appid,
            out_trade_no: r.out_trade_no,
            transaction_id: r.transaction_id,
            out_refund_no: r.out_refund_no,
            refund_id: r.refund_id,
            refund_status: r.refund_status.to_string(),
            success_time: time_opt(&r.success_time),
            recv_account: r.recv_account,
            fund_source: r.fund_source.map(|f| f.to_string()),
            amount: refund_amount(r.amount)?,
        })
    }
}

// ----- certificates and notifications -----

/// A WeChat Pay platform certificate.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PlatformCertificate {
    /// Serial number, upper-case hexadecimal, as in `Wechatpay-Serial`.
    pub serial_no: String,
    /// Start of validity, RFC 3339 in UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 in UTC.
    pub not_after: String,
    /// The certificate as PEM.
    pub pem: String,
}

impl From<&papay::PlatformCertificate> for PlatformCertificate {
    fn from(c: &papay::PlatformCertificate) -> Self {
        Self {
            serial_no: c.serial_no().to_owned(),
            not_before: c.not_before().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            not_after: c.not_after().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            pem: c.pem().to_owned(),
        }
    }
}

/// A verified and decrypted notification. `kind` names which of `contract`, `order`, `refund`
/// and `resource` is set.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Notification {
    /// Notification id; use it as the idempotency key, WeChat Pay resends until acknowledged.
    pub id: String,
    /// When WeChat Pay created it, RFC 3339.
    pub create_time: Option<String>,
    /// Event type as received, e.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// Human-readable summary, possibly Chinese.
    pub summary: String,
    /// `resource.original_type`.
    pub original_type: Option<String>,
    /// Serial or public-key id that signed it.
    pub signed_by: String,
    /// `contract_signed`, `contract_terminated`, `deduction_succeeded`, `refund_succeeded`,
    /// `refund_abnormal`, `refund_closed` or `other`.
    pub kind: String,
    /// The contract, for `contract_signed` and `contract_terminated`.
    pub contract: Option<ContractNotification>,
    /// The order, for `deduction_succeeded`.
    pub order: Option<Order>,
    /// The refund, for the three `refund_*` kinds.
    pub refund: Option<RefundNotification>,
    /// The decrypted JSON exactly as received (snake_case keys), for `other`.
    pub resource: Option<serde_json::Value>,
}

impl TryFrom<papay::Notification> for Notification {
    type Error = napi::Error;
    fn try_from(n: papay::Notification) -> Result<Self> {
        let mut out = Self {
            id: n.id,
            create_time: time_opt(&n.create_time),
            event_type: n.event_type,
            resource_type: n.resource_type,
            summary: n.summary,
            original_type: n.original_type,
            signed_by: n.signed_by,
            kind: String::new(),
            contract: None,
            order: None,
            refund: None,
            resource: None,
        };
        use papay::NotificationEvent as Event;
        let kind = match n.event {
            Event::ContractSigned(c) => {
                out.contract = Some(c.try_into()?);
                "contract_signed"
            }
            Event::ContractTerminated(c) => {
                out.contract = Some(c.try_into()?);
                "contract_terminated"
            }
            Event::DeductionSucceeded(o) => {
                out.order = Some(o.try_into()?);
                "deduction_succeeded"
            }
            Event::RefundSucceeded(r) => {
                out.refund = Some(r.try_into()?);
                "refund_succeeded"
            }
            Event::RefundAbnormal(r) => {
                out.refund = Some(r.try_into()?);
                "refund_abnormal"
            }
            Event::RefundClosed(r) => {
                out.refund = Some(r.try_into()?);
                "refund_closed"
            }
            Event::Other(value) => {
                out.resource = Some(value);
                "other"
            }
        };
        out.kind = kind.to_owned();
        Ok(out)
    }
}

// ----- client-side signing helpers -----

/// Where the client hands the signing session over to WeChat; every field has a default.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct SigningTarget {
    /// Mini Program AppID or original id; default `wxbd687630cd02ce1d` (unverified for Global).
    pub mini_program: Option<String>,
    /// Page path without query; default `pages/index/index` (unverified for Global).
    pub page: Option<String>,
    /// Query key for the session id; default `session_id` (unverified for Global).
    pub session_key: Option<String>,
}

impl From<SigningTarget> for papay::app_signing::SigningTarget {
    fn from(t: SigningTarget) -> Self {
        let defaults = papay::app_signing::SigningTarget::default();
        Self {
            mini_program: t.mini_program.unwrap_or(defaults.mini_program),
            page: t.page.unwrap_or(defaults.page),
            session_key: t.session_key.unwrap_or(defaults.session_key),
        }
    }
}

/// Parameters for the client call that opens the signing Mini Program.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct LaunchParams {
    /// `userName` for the Open SDK's launch request, or `appId` of `wx.navigateToMiniProgram`.
    pub mini_program: String,
    /// Page path with the session id in its query.
    pub path: String,
    /// `extraData` for `wx.navigateToMiniProgram`.
    pub extra_data: HashMap<String, String>,
    /// Mini Program type for the Open SDK: 0 is the released version.
    pub mini_program_type: u32,
    /// Whether these parameters were confirmed against WeChat Pay's Global documentation;
    /// always false in this version.
    pub verified: bool,
}

impl From<papay::app_signing::LaunchParams> for LaunchParams {
    fn from(p: papay::app_signing::LaunchParams) -> Self {
        Self {
            mini_program: p.mini_program,
            path: p.path,
            extra_data: p.extra_data,
            mini_program_type: u32::from(p.mini_program_type),
            verified: p.verified,
        }
    }
}

/// What WeChat reported back to the app or Mini Program after signing: a hint for the UI only,
/// never proof of a contract.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct SigningReturn {
    /// `signed`, `not_signed` or `unknown`.
    pub outcome: String,
    /// Contract id, when WeChat included one (`signed` only).
    pub contract_id: Option<String>,
    /// WeChat's message, when present (`not_signed` only).
    pub message: Option<String>,
}

impl From<papay::app_signing::SigningReturn> for SigningReturn {
    fn from(r: papay::app_signing::SigningReturn) -> Self {
        use papay::app_signing::SigningReturn as Core;
        match r {
            Core::Signed { contract_id } => Self { outcome: "signed".into(), contract_id, message: None },
            Core::NotSigned { message } => Self { outcome: "not_signed".into(), contract_id: None, message },
            Core::Unknown => Self { outcome: "unknown".into(), contract_id: None, message: None },
        }
    }
}
