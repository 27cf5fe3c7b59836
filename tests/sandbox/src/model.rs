//! The sandbox's records (signing sessions, contracts, orders, refunds), the merchant identity
//! of the two access modes, and their JSON forms.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Map, Value};

use crate::crypto::rfc3339;
use crate::options::{ContractView, RefundOutcome};
use crate::wire::{ApiError, Fields};

/// Whose record something is: the merchant itself (Common mode, or the institution) or one of
/// the institution's sub-merchants. Records of one owner are invisible to another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    Merchant,
    SubMerchant(String),
}

/// The identity fields of a papay request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    Common { appid: String },
    Institutional { sp_appid: String, sub_mchid: String, sub_appid: Option<String> },
}

/// The merchant configuration that requests are checked against.
#[derive(Debug, Clone)]
pub(crate) struct MerchantConfig {
    pub(crate) mchid: String,
    pub(crate) appid: String,
    pub(crate) sp_appid: String,
    pub(crate) sub_mchids: Vec<String>,
    pub(crate) plan_ids: Vec<u64>,
}

impl Identity {
    pub(crate) fn owner(&self) -> Owner {
        match self {
            Identity::Common { .. } => Owner::Merchant,
            Identity::Institutional { sub_mchid, .. } => Owner::SubMerchant(sub_mchid.clone()),
        }
    }

    /// Parses `appid`, or `sp_appid` + `sub_mchid` (+ `sub_appid`), and checks them against the
    /// configured merchant.
    pub(crate) fn parse(fields: &Fields<'_>, merchant: &MerchantConfig) -> Result<Self, ApiError> {
        let institutional = fields.has("sp_appid") || fields.has("sub_mchid");
        if institutional && fields.has("appid") {
            return Err(fields.error(
                "appid",
                fields.optional_str("appid", 32)?.unwrap_or_default(),
                "appid is for Common mode and cannot be combined with sp_appid or sub_mchid",
            ));
        }

        if !institutional {
            let appid = fields.required_str("appid", 32)?;
            check_appid(appid, &merchant.appid, &merchant.mchid)?;
            return Ok(Identity::Common { appid: appid.to_string() });
        }

        let sp_appid = fields.required_str("sp_appid", 32)?;
        let sub_mchid = fields.required_str("sub_mchid", 32)?;
        let sub_appid = fields.optional_str("sub_appid", 32)?;
        check_appid(sp_appid, &merchant.sp_appid, &merchant.mchid)?;
        check_sub_mchid(sub_mchid, merchant)?;
        Ok(Identity::Institutional {
            sp_appid: sp_appid.to_string(),
            sub_mchid: sub_mchid.to_string(),
            sub_appid: sub_appid.map(str::to_string),
        })
    }

    /// Writes `mchid` + `appid`, or `sp_mchid` + `sp_appid` + `sub_mchid` (+ `sub_appid`).
    pub(crate) fn write_fields(&self, mchid: &str, object: &mut Map<String, Value>) {
        match self {
            Identity::Common { appid } => {
                object.insert("mchid".into(), json!(mchid));
                object.insert("appid".into(), json!(appid));
            }
            Identity::Institutional { sp_appid, sub_mchid, sub_appid } => {
                object.insert("sp_mchid".into(), json!(mchid));
                object.insert("sp_appid".into(), json!(sp_appid));
                object.insert("sub_mchid".into(), json!(sub_mchid));
                if let Some(sub_appid) = sub_appid {
                    object.insert("sub_appid".into(), json!(sub_appid));
                }
            }
        }
    }
}

fn check_appid(appid: &str, expected: &str, mchid: &str) -> Result<(), ApiError> {
    if appid == expected {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!("appid {appid} is not bound to mchid {mchid}")))
    }
}

pub(crate) fn check_sub_mchid(sub_mchid: &str, merchant: &MerchantConfig) -> Result<(), ApiError> {
    if merchant.sub_mchids.iter().any(|s| s == sub_mchid) {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "sub_mchid {sub_mchid} is not a sub-merchant of institution {}",
            merchant.mchid
        )))
    }
}

/// Parses the merchant ids of a refund request or query: `mchid` (Common) or `sp_mchid` +
/// `sub_mchid` (Institutional).
pub(crate) fn parse_refund_owner(fields: &Fields<'_>, merchant: &MerchantConfig) -> Result<Owner, ApiError> {
    if fields.has("sp_mchid") || fields.has("sub_mchid") {
        if fields.has("mchid") {
            return Err(fields.error(
                "mchid",
                fields.optional_str("mchid", 32)?.unwrap_or_default(),
                "mchid is for Common mode and cannot be combined with sp_mchid or sub_mchid",
            ));
        }
        let sp_mchid = fields.required_str("sp_mchid", 32)?;
        let sub_mchid = fields.required_str("sub_mchid", 32)?;
        check_mchid("sp_mchid", sp_mchid, &merchant.mchid)?;
        check_sub_mchid(sub_mchid, merchant)?;
        return Ok(Owner::SubMerchant(sub_mchid.to_string()));
    }

    let mchid = fields.required_str("mchid", 32)?;
    check_mchid("mchid", mchid, &merchant.mchid)?;
    Ok(Owner::Merchant)
}

fn check_mchid(field: &str, value: &str, expected: &str) -> Result<(), ApiError> {
    if value == expected {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "{field} {value} does not match mchid {expected} of the Authorization header"
        )))
    }
}

/// The five pre-sign APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigningKind {
    MiniProgram,
    H5,
    Jsapi,
    Web,
    App,
}

impl SigningKind {
    pub(crate) fn from_path_segment(segment: &str) -> Option<Self> {
        match segment {
            "miniprogram-pre-entrust-sign" => Some(Self::MiniProgram),
            "h5-pre-entrust-sign" => Some(Self::H5),
            "jsapi-pre-entrust-sign" => Some(Self::Jsapi),
            "web-pre-entrust-sign" => Some(Self::Web),
            "app-pre-entrust-sign" => Some(Self::App),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionState {
    Pending,
    Confirmed,
    Cancelled,
}

impl SessionState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SessionState::Pending => "pending",
            SessionState::Confirmed => "confirmed",
            SessionState::Cancelled => "cancelled",
        }
    }
}

/// A signing session created by a pre-sign call, waiting for the user.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) session_id: String,
    pub(crate) identity: Identity,
    pub(crate) plan_id: u64,
    pub(crate) out_contract_code: String,
    pub(crate) user_display_name: Option<String>,
    pub(crate) success_notify_url: String,
    pub(crate) openid: Option<String>,
    pub(crate) expired_time: Option<DateTime<FixedOffset>>,
    pub(crate) state: SessionState,
    /// Creation order, to pick the newest session for a contract code.
    pub(crate) sequence: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContractState {
    Signed,
    Terminated,
}

impl ContractState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ContractState::Signed => "SIGNED",
            ContractState::Terminated => "TERMINATED",
        }
    }
}

/// An Auto-Debit contract.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    pub(crate) contract_id: String,
    pub(crate) identity: Identity,
    pub(crate) plan_id: u64,
    pub(crate) out_contract_code: String,
    pub(crate) user_display_name: Option<String>,
    pub(crate) openid: String,
    pub(crate) state: ContractState,
    pub(crate) signed_time: DateTime<FixedOffset>,
    pub(crate) expired_time: DateTime<FixedOffset>,
    pub(crate) terminated_time: Option<DateTime<FixedOffset>>,
    /// `USER` or `MERCHANT`.
    pub(crate) termination_mode: Option<&'static str>,
    pub(crate) termination_note: Option<String>,
}

impl Contract {
    /// Serializes the contract as the query APIs return it.
    pub(crate) fn to_json(&self, mchid: &str) -> Value {
        let mut object = Map::new();
        self.identity.write_fields(mchid, &mut object);
        object.insert("contract_id".into(), json!(self.contract_id));
        object.insert("plan_id".into(), json!(self.plan_id));
        object.insert("out_contract_code".into(), json!(self.out_contract_code));
        if let Some(name) = &self.user_display_name {
            object.insert("user_display_name".into(), json!(name));
        }
        object.insert("openid".into(), json!(self.openid));
        object.insert("state".into(), json!(self.state.as_str()));
        object.insert("signed_time".into(), json!(rfc3339(&self.signed_time)));
        if let Some(time) = &self.terminated_time {
            object.insert("terminated_time".into(), json!(rfc3339(time)));
        }
        if let Some(mode) = self.termination_mode {
            object.insert("termination_mode".into(), json!(mode));
        }
        if let Some(note) = &self.termination_note {
            object.insert("termination_note".into(), json!(note));
        }
        Value::Object(object)
    }

    /// Serializes the decrypted resource of PAPAY.SIGN and PAPAY.TERMINATE.
    pub(crate) fn notification_resource(&self, mchid: &str, operate_time: &DateTime<FixedOffset>) -> Value {
        let mut object = Map::new();
        self.identity.write_fields(mchid, &mut object);
        object.insert("out_contract_code".into(), json!(self.out_contract_code));
        object.insert("plan_id".into(), json!(self.plan_id));
        object.insert("contract_id".into(), json!(self.contract_id));
        object.insert("openid".into(), json!(self.openid));
        object.insert("operate_time".into(), json!(rfc3339(operate_time)));
        object.insert("contract_expired_time".into(), json!(rfc3339(&self.expired_time)));
        if let Some(mode) = self.termination_mode {
            object.insert("contract_termination_mode".into(), json!(mode));
        }
        Value::Object(object)
    }

    pub(crate) fn view(&self) -> ContractView {
        ContractView {
            contract_id: self.contract_id.clone(),
            out_contract_code: self.out_contract_code.clone(),
            plan_id: self.plan_id,
            state: self.state.as_str().to_string(),
            openid: self.openid.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TradeState {
    Success,
    UserPaying,
    Closed,
    /// Paid, and at least one refund was accepted.
    Refund,
}

impl TradeState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TradeState::Success => "SUCCESS",
            TradeState::UserPaying => "USERPAYING",
            TradeState::Closed => "CLOSED",
            TradeState::Refund => "REFUND",
        }
    }

    fn description(self) -> &'static str {
        match self {
            TradeState::Success => "payment succeeded",
            TradeState::UserPaying => "the user is paying",
            TradeState::Closed => "order closed",
            TradeState::Refund => "a refund was initiated",
        }
    }

    pub(crate) fn is_paid(self) -> bool {
        matches!(self, TradeState::Success | TradeState::Refund)
    }
}

/// Currency the test user pays in.
pub(crate) const PAYER_CURRENCY: &str = "CNY";

/// Fixed sandbox exchange rates to CNY, multiplied by 10^8, with each currency's number of
/// minor-unit digits. The rates are plausible round numbers, not market rates.
const EXCHANGE_RATES: &[(&str, i64, u32)] = &[
    ("CNY", 100_000_000, 2),
    ("HKD", 90_500_000, 2),
    ("USD", 715_000_000, 2),
    ("EUR", 780_000_000, 2),
    ("GBP", 910_000_000, 2),
    ("JPY", 4_800_000, 0),
    ("KRW", 520_000, 0),
    ("SGD", 530_000_000, 2),
    ("AUD", 470_000_000, 2),
    ("CAD", 520_000_000, 2),
    ("NZD", 430_000_000, 2),
    ("THB", 20_000_000, 2),
    ("MOP", 88_000_000, 2),
    ("TWD", 22_000_000, 2),
];

/// Lists the currencies the sandbox accepts, for error messages.
pub(crate) fn supported_currencies() -> String {
    EXCHANGE_RATES.iter().map(|(code, _, _)| *code).collect::<Vec<_>>().join(", ")
}

/// Returns the rate (×10^8) from `currency` to CNY, or `None` for an unsupported currency.
pub(crate) fn exchange_rate(currency: &str) -> Option<i64> {
    EXCHANGE_RATES.iter().find(|(code, _, _)| *code == currency).map(|(_, rate, _)| *rate)
}

/// Converts an amount in minor units of `currency` to fen (CNY minor units), rounding half up.
pub(crate) fn to_payer_amount(amount: i64, currency: &str) -> Option<i64> {
    let (_, rate, digits) = EXCHANGE_RATES.iter().find(|(code, _, _)| *code == currency)?;
    let scale = 10_i128.pow(2_u32.saturating_sub(*digits));
    let numerator = i128::from(amount) * i128::from(*rate) * scale;
    let denominator = 100_000_000_i128;
    let rounded = (numerator + denominator / 2) / denominator;
    i64::try_from(rounded).ok()
}

fn exchange_rate_json(rate: i64) -> Value {
    json!({ "type": "SETTLEMENT_RATE", "rate": rate })
}

/// A deduction order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) identity: Identity,
    pub(crate) out_trade_no: String,
    pub(crate) transaction_id: Option<String>,
    pub(crate) contract_id: String,
    pub(crate) description: String,
    pub(crate) attach: Option<String>,
    pub(crate) notify_url: String,
    pub(crate) merchant_category_code: String,
    pub(crate) total: i64,
    pub(crate) currency: String,
    pub(crate) payer_total: i64,
    pub(crate) rate: i64,
    pub(crate) trade_state: TradeState,
    pub(crate) success_time: Option<DateTime<FixedOffset>>,
    pub(crate) openid: String,
    pub(crate) scene_info: Option<Value>,
    /// Refund ids in creation order.
    pub(crate) refund_ids: Vec<String>,
}

impl Order {
    /// Returns whether a repeated deduction request carries the same parameters.
    pub(crate) fn same_request(&self, contract_id: &str, total: i64, currency: &str, description: &str) -> bool {
        self.contract_id == contract_id
            && self.total == total
            && self.currency == currency
            && self.description == description
    }

    fn payer_json(&self) -> Value {
        match &self.identity {
            Identity::Common { .. } => json!({ "openid": self.openid }),
            Identity::Institutional { sub_appid: Some(_), .. } => {
                json!({ "sp_openid": sp_openid_of(&self.openid), "sub_openid": self.openid })
            }
            Identity::Institutional { sub_appid: None, .. } => json!({ "sp_openid": self.openid }),
        }
    }

    /// Serializes the order as the deduction and query APIs and TRANSACTION.SUCCESS carry it.
    pub(crate) fn to_json(&self, mchid: &str) -> Value {
        let mut object = Map::new();
        self.identity.write_fields(mchid, &mut object);
        object.insert("out_trade_no".into(), json!(self.out_trade_no));
        if let Some(id) = &self.transaction_id {
            object.insert("transaction_id".into(), json!(id));
        }
        if let Some(attach) = &self.attach {
            object.insert("attach".into(), json!(attach));
        }
        object.insert("trade_type".into(), json!("AUTH"));
        object.insert("trade_state".into(), json!(self.trade_state.as_str()));
        object.insert("trade_state_desc".into(), json!(self.trade_state.description()));
        if self.trade_state.is_paid() {
            object.insert("bank_type".into(), json!("CFT"));
        }
        if let Some(time) = &self.success_time {
            object.insert("success_time".into(), json!(rfc3339(time)));
        }
        object.insert("payer".into(), self.payer_json());
        object.insert(
            "amount".into(),
            json!({
                "total": self.total,
                "currency": self.currency,
                "payer_total": self.payer_total,
                "payer_currency": PAYER_CURRENCY,
                "exchange_rate": exchange_rate_json(self.rate),
            }),
        );
        object.insert("merchant_category_code".into(), json!(self.merchant_category_code));
        if let Some(scene_info) = &self.scene_info {
            object.insert("scene_info".into(), scene_info.clone());
        }
        Value::Object(object)
    }
}

/// Derives the test user's openid under the institution's `sp_appid` from the sub-AppID openid.
pub(crate) fn sp_openid_of(openid: &str) -> String {
    format!("{openid}_sp")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefundStatus {
    Processing,
    Success,
    Abnormal,
    Closed,
}

impl RefundStatus {
    /// Returns the `status` value of the refund query APIs.
    pub(crate) fn as_query_str(self) -> &'static str {
        match self {
            RefundStatus::Processing => "PROCESSING",
            RefundStatus::Success => "SUCCESS",
            RefundStatus::Abnormal => "ABNORMAL",
            RefundStatus::Closed => "REFUNDCLOSE",
        }
    }

    /// Returns the `refund_status` value of refund notifications, which use CLOSED where the
    /// queries use REFUNDCLOSE.
    pub(crate) fn as_notification_str(self) -> &'static str {
        match self {
            RefundStatus::Closed => "CLOSED",
            other => other.as_query_str(),
        }
    }

    pub(crate) fn from_outcome(outcome: RefundOutcome) -> Self {
        match outcome {
            RefundOutcome::Success => RefundStatus::Success,
            RefundOutcome::Abnormal => RefundStatus::Abnormal,
            RefundOutcome::Closed => RefundStatus::Closed,
        }
    }
}

/// A refund of a deduction order.
#[derive(Debug, Clone)]
pub(crate) struct Refund {
    pub(crate) refund_id: String,
    pub(crate) out_refund_no: String,
    pub(crate) owner: Owner,
    pub(crate) out_trade_no: String,
    pub(crate) transaction_id: String,
    pub(crate) refund: i64,
    pub(crate) total: i64,
    pub(crate) currency: String,
    pub(crate) payer_refund: i64,
    pub(crate) payer_total: i64,
    pub(crate) rate: i64,
    pub(crate) fund_source: String,
    pub(crate) notify_url: Option<String>,
    pub(crate) status: RefundStatus,
    /// Final state the refund reaches after the refund delay.
    pub(crate) outcome: RefundOutcome,
    pub(crate) create_time: DateTime<FixedOffset>,
    pub(crate) success_time: Option<DateTime<FixedOffset>>,
}

/// The account shown as credited by every sandbox refund.
const RECEIVING_ACCOUNT: &str = "WeChat Pay balance";

impl Refund {
    /// Returns whether a repeated refund request carries the same parameters.
    pub(crate) fn same_request(&self, out_trade_no: &str, refund: i64, total: i64, currency: &str) -> bool {
        self.out_trade_no == out_trade_no && self.refund == refund && self.total == total && self.currency == currency
    }

    /// Returns whether the refund still counts against the order's refundable amount (every
    /// state except closed).
    pub(crate) fn holds_amount(&self) -> bool {
        self.status != RefundStatus::Closed
    }

    fn amount_json(&self) -> Value {
        json!({
            "refund": self.refund,
            "currency": self.currency,
            "payer_refund": self.payer_refund,
            "payer_currency": PAYER_CURRENCY,
            "exchange_rate": exchange_rate_json(self.rate),
        })
    }

    /// Serializes the refund API's response: id, out_refund_no, create_time and amount.
    pub(crate) fn accepted_json(&self) -> Value {
        json!({
            "id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "create_time": rfc3339(&self.create_time),
            "amount": self.amount_json(),
        })
    }

    /// Serializes the refund as the query APIs return it.
    pub(crate) fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), json!(self.refund_id));
        object.insert("out_refund_no".into(), json!(self.out_refund_no));
        object.insert("transaction_id".into(), json!(self.transaction_id));
        object.insert("out_trade_no".into(), json!(self.out_trade_no));
        object.insert("channel".into(), json!("ORIGINAL"));
        object.insert("recv_account".into(), json!(RECEIVING_ACCOUNT));
        object.insert("fund_source".into(), json!(self.fund_source));
        if let Some(time) = &self.success_time {
            object.insert("success_time".into(), json!(rfc3339(time)));
        }
        object.insert("create_time".into(), json!(rfc3339(&self.create_time)));
        object.insert("status".into(), json!(self.status.as_query_str()));
        object.insert("amount".into(), self.amount_json());
        Value::Object(object)
    }

    /// Serializes the decrypted resource of REFUND.* notifications.
    pub(crate) fn notification_resource(&self, mchid: &str) -> Value {
        let mut object = Map::new();
        match &self.owner {
            Owner::Merchant => {
                object.insert("mchid".into(), json!(mchid));
            }
            Owner::SubMerchant(sub_mchid) => {
                object.insert("sp_mchid".into(), json!(mchid));
                object.insert("sub_mchid".into(), json!(sub_mchid));
            }
        }
        object.insert("out_trade_no".into(), json!(self.out_trade_no));
        object.insert("transaction_id".into(), json!(self.transaction_id));
        object.insert("out_refund_no".into(), json!(self.out_refund_no));
        object.insert("refund_id".into(), json!(self.refund_id));
        object.insert("refund_status".into(), json!(self.status.as_notification_str()));
        if let Some(time) = &self.success_time {
            object.insert("success_time".into(), json!(rfc3339(time)));
        }
        object.insert("recv_account".into(), json!(RECEIVING_ACCOUNT));
        object.insert("fund_source".into(), json!(self.fund_source));
        object.insert(
            "amount".into(),
            json!({
                "total": self.total,
                "currency": self.currency,
                "refund": self.refund,
                "payer_total": self.payer_total,
                "payer_refund": self.payer_refund,
                "payer_currency": PAYER_CURRENCY,
                "exchange_rate": exchange_rate_json(self.rate),
            }),
        );
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payer_amount_converts_hkd() {
        assert_eq!(to_payer_amount(1000, "HKD"), Some(905));
    }

    #[test]
    fn payer_amount_scales_zero_digit_currency() {
        // 1000 JPY at 0.048 CNY is 48.00 CNY, 4800 fen.
        assert_eq!(to_payer_amount(1000, "JPY"), Some(4800));
    }

    #[test]
    fn payer_amount_rejects_unknown_currency() {
        assert_eq!(to_payer_amount(1000, "XXX"), None);
    }
}
