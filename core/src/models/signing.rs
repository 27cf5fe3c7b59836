//! Pre-signing requests and responses: Mini Program, H5, JSAPI, PC Web and APP.

use serde::{Deserialize, Serialize};

use super::{serialize_time_opt, Timestamp};
use crate::error::Result;
use crate::validate;

/// Fields every pre-sign request shares.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PreSignCommon {
    /// Auto-Debit template id issued by WeChat Pay.
    pub plan_id: u64,
    /// Merchant contract number, unique per merchant and never reused, 1 to 32 characters.
    pub out_contract_code: String,
    /// Account name shown to the user on the signing page, 1 to 32 characters of 1 to 3 UTF-8
    /// bytes each. Required for APP signing; optional elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_display_name: Option<String>,
    /// HTTPS URL, without query parameters, that receives the `PAPAY.SIGN` notification.
    pub success_notify_url: String,
    /// Expiry of the signing session.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "serialize_time_opt")]
    pub expired_time: Option<Timestamp>,
}

impl PreSignCommon {
    fn validate(&self, display_name_required: bool) -> Result<()> {
        if self.plan_id == 0 {
            return Err(crate::Error::invalid_argument(
                "plan_id",
                "must be the positive template id issued by WeChat Pay",
            ));
        }
        validate::merchant_number("out_contract_code", &self.out_contract_code, 32)?;
        match &self.user_display_name {
            Some(name) => validate::text("user_display_name", name, 1, 32)?,
            None if display_name_required => {
                return Err(crate::Error::invalid_argument("user_display_name", "is required for APP signing"))
            }
            None => {}
        }
        validate::notify_url("success_notify_url", &self.success_notify_url, 256)
    }
}

/// Mini Program pre-sign request: `POST /v3/global/papay/contracts/miniprogram-pre-entrust-sign`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MiniProgramPreSignRequest {
    /// Shared fields.
    #[serde(flatten)]
    pub common: PreSignCommon,
    /// The user's openid under the calling AppID (`sub_appid` in Institutional mode when set).
    pub openid: String,
    /// The user's client IP; WeChat Pay rejects the signing when the signing device's IP differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_client_ip: Option<String>,
}

impl MiniProgramPreSignRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate(false)?;
        validate::identifier("openid", &self.openid, 1, 128)?;
        validate::optional(self.user_client_ip.as_deref(), |ip| validate::ip_address("user_client_ip", ip))
    }
}

/// H5 (mobile browser) pre-sign request: `POST /v3/global/papay/contracts/h5-pre-entrust-sign`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct H5PreSignRequest {
    /// Shared fields.
    #[serde(flatten)]
    pub common: PreSignCommon,
    /// The user's client IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_client_ip: Option<String>,
    /// App to return to after signing; honoured only with the template's return-to-app permission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_appid: Option<String>,
    /// Page to return to after signing; its prefix must be registered with the template.
    // NOTE: documented for H5 only in SDK samples, not on WeChat Pay's own H5 page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

impl H5PreSignRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate(false)?;
        validate::optional(self.user_client_ip.as_deref(), |ip| validate::ip_address("user_client_ip", ip))?;
        validate::optional(self.return_appid.as_deref(), |v| validate::identifier("return_appid", v, 1, 32))?;
        validate::optional(self.return_url.as_deref(), |v| validate::return_url("return_url", v, 256))
    }
}

/// JSAPI (inside WeChat) pre-sign request: `POST /v3/global/papay/contracts/jsapi-pre-entrust-sign`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JsapiPreSignRequest {
    /// Shared fields.
    #[serde(flatten)]
    pub common: PreSignCommon,
    /// The user's openid under the calling AppID.
    pub openid: String,
    /// Page to return to after signing; its prefix must be registered with the template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

impl JsapiPreSignRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate(false)?;
        validate::identifier("openid", &self.openid, 1, 128)?;
        validate::optional(self.return_url.as_deref(), |v| validate::return_url("return_url", v, 256))
    }
}

/// PC Web (QR code) pre-sign request: `POST /v3/global/papay/contracts/web-pre-entrust-sign`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WebPreSignRequest {
    /// Shared fields.
    #[serde(flatten)]
    pub common: PreSignCommon,
    /// Page to return to after signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

impl WebPreSignRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate(false)?;
        validate::optional(self.return_url.as_deref(), |v| validate::return_url("return_url", v, 256))
    }
}

/// APP pre-sign request: `POST /v3/global/papay/contracts/app-pre-entrust-sign`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AppPreSignRequest {
    /// Shared fields; `user_display_name` is required here.
    #[serde(flatten)]
    pub common: PreSignCommon,
    /// The user's openid under the app's AppID, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The user's client IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_client_ip: Option<String>,
}

impl AppPreSignRequest {
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate(true)?;
        validate::optional(self.openid.as_deref(), |v| validate::identifier("openid", v, 1, 128))?;
        validate::optional(self.user_client_ip.as_deref(), |ip| validate::ip_address("user_client_ip", ip))
    }
}

/// Response of the Mini Program and APP pre-sign calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionIdResponse {
    /// Signing session id the client hands to WeChat.
    pub session_id: String,
}

/// Response of the H5 and JSAPI pre-sign calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUrlResponse {
    /// URL the page navigates to.
    pub sign_url: String,
}

/// Response of the PC Web pre-sign call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowCodeUrlResponse {
    /// URL to render as a QR code. Older responses named it `sign_url`; both are accepted.
    #[serde(alias = "sign_url")]
    pub show_code_url: String,
}
