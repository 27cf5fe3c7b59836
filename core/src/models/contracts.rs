//! Contracts: the contract object, termination and the signing/termination notification resource.

use serde::{Deserialize, Serialize};

use super::{open_enum, ResponseIdentity, Timestamp};
use crate::error::Result;
use crate::validate;

open_enum! {
    /// State of a contract.
    // NOTE: only SIGNED and TERMINATED appear in WeChat Pay's samples; other states may exist.
    ContractState {
        /// The contract is in force and can be charged.
        Signed => "SIGNED",
        /// The contract has ended.
        Terminated => "TERMINATED",
    }
}

open_enum! {
    /// Party or event that ended a contract.
    // NOTE: the list comes from SDK documentation, not from WeChat Pay's own pages.
    TerminationMode {
        /// The user cancelled in WeChat.
        User => "USER",
        /// The merchant called the terminate API or used the merchant platform.
        Merchant => "MERCHANT",
        /// WeChat Pay ended it.
        Platform => "PLATFORM",
        /// The contract expired.
        Expired => "EXPIRED",
    }
}

/// A contract as returned by the two contract queries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// Merchant identity of the contract.
    #[serde(flatten)]
    pub identity: ResponseIdentity,
    /// WeChat Pay contract id; deductions use it.
    pub contract_id: String,
    /// Template id.
    pub plan_id: u64,
    /// Merchant contract number given at signing.
    pub out_contract_code: String,
    /// Display name given at signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_display_name: Option<String>,
    /// The user's openid under the signing AppID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// Contract state.
    pub state: ContractState,
    /// When the contract was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_time: Option<Timestamp>,
    /// When the contract was terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated_time: Option<Timestamp>,
    /// Termination mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_mode: Option<TerminationMode>,
    /// Termination remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_note: Option<String>,
}

/// Body of `POST /v3/global/papay/contracts/{contract_id}/terminate`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TerminateContractRequest {
    /// Reason for terminating, 1 to 256 characters.
    pub termination_note: String,
}

impl TerminateContractRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        validate::text("termination_note", &self.termination_note, 1, 256)
    }
}

/// Decrypted resource of the `PAPAY.SIGN` and `PAPAY.TERMINATE` notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractNotification {
    /// Merchant identity; in Institutional mode route on `sub_mchid`.
    #[serde(flatten)]
    pub identity: ResponseIdentity,
    /// Merchant contract number.
    pub out_contract_code: String,
    /// Template id.
    pub plan_id: u64,
    /// WeChat Pay contract id.
    pub contract_id: String,
    /// The user's openid (Common mode, and some Institutional messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// Openid under `sp_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// Openid under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// Time of the signing or termination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operate_time: Option<Timestamp>,
    /// Contract expiry. Sources disagree on the key (`contract_expired_time` or
    /// `contract_expire_time`); both are accepted.
    #[serde(default, alias = "contract_expire_time", skip_serializing_if = "Option::is_none")]
    pub contract_expired_time: Option<Timestamp>,
    /// Termination mode (termination only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_termination_mode: Option<TerminationMode>,
}
