//! Client-side helpers for the signing flows: what a mobile app or a Mini Program does with the
//! `session_id` from the backend, how to read what WeChat hands back, and the PC Web QR code.
//!
//! Only the backend can confirm a contract: by the `PAPAY.SIGN` notification or by querying the
//! contract. What WeChat returns to the app or Mini Program is a hint for the UI, never proof,
//! because it travels through the user's device.
//!
//! WeChat Pay's Global documentation of this client step could not be read in full. Known: the
//! APP flow opens WeChat's signing Mini Program through the Open Platform SDK and returns to the
//! app afterwards. Unverified: the Mini Program's original id (`userName`), the page path and
//! the key that carries the session id, and the shape of the return data. Those values are
//! therefore parameters with documented defaults, and [`LaunchParams::verified`] is `false`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::encoding::encode_component;
use crate::error::{Error, Result};

/// AppID of WeChat's Auto-Debit signing Mini Program in the China-domestic flow.
// NOTE: unverified for Global; taken from WeChat Pay's domestic Mini Program invocation.
pub const DEFAULT_SIGNING_MINI_PROGRAM_APPID: &str = "wxbd687630cd02ce1d";

/// Page of the signing Mini Program in the China-domestic flow.
// NOTE: unverified for Global.
pub const DEFAULT_SIGNING_PAGE: &str = "pages/index/index";

/// Query key that carries the session id.
// NOTE: unverified; WeChat Pay's Global page does not show the key name in any readable copy.
pub const DEFAULT_SESSION_KEY: &str = "session_id";

/// Where the client hands the signing session over to WeChat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningTarget {
    /// Mini Program AppID (for `wx.navigateToMiniProgram`) or original id `gh_...` (for the
    /// Open SDK's `WXLaunchMiniProgram.Req.userName`).
    pub mini_program: String,
    /// Page path without query.
    pub page: String,
    /// Query key for the session id.
    pub session_key: String,
}

impl Default for SigningTarget {
    fn default() -> Self {
        Self {
            mini_program: DEFAULT_SIGNING_MINI_PROGRAM_APPID.to_owned(),
            page: DEFAULT_SIGNING_PAGE.to_owned(),
            session_key: DEFAULT_SESSION_KEY.to_owned(),
        }
    }
}

/// Parameters for the client call that opens the signing Mini Program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchParams {
    /// For the APP flow, `WXLaunchMiniProgram.Req.userName` (Android) /
    /// `WXLaunchMiniProgramReq.userName` (iOS); for a Mini Program, `appId` of
    /// `wx.navigateToMiniProgram`.
    pub mini_program: String,
    /// Page path with the session id in its query, e.g. `pages/index/index?session_id=...`.
    pub path: String,
    /// `extraData` for `wx.navigateToMiniProgram`: the session id under `session_key`.
    pub extra_data: HashMap<String, String>,
    /// Mini Program type for the Open SDK: 0 is the released version.
    pub mini_program_type: u8,
    /// Whether these parameters were confirmed against WeChat Pay's Global documentation.
    /// Always `false` in this version; see the module documentation.
    pub verified: bool,
}

/// Builds what the app or Mini Program needs to open WeChat's signing page for `session_id`.
pub fn launch_params(session_id: &str, target: &SigningTarget) -> Result<LaunchParams> {
    crate::validate::identifier("session_id", session_id, 1, 64)?;
    crate::validate::length("mini_program", &target.mini_program, 1, 64)?;
    crate::validate::length("page", &target.page, 1, 256)?;
    crate::validate::identifier("session_key", &target.session_key, 1, 64)?;

    let path = format!("{}?{}={}", target.page, target.session_key, encode_component(session_id));
    let mut extra_data = HashMap::new();
    extra_data.insert(target.session_key.clone(), session_id.to_owned());
    Ok(LaunchParams {
        mini_program: target.mini_program.clone(),
        path,
        extra_data,
        mini_program_type: 0,
        verified: false,
    })
}

/// What WeChat reported back to the app or Mini Program. A hint for the UI only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SigningReturn {
    /// The user appears to have signed. Confirm on the backend before granting anything.
    Signed {
        /// Contract id, when WeChat included one.
        contract_id: Option<String>,
    },
    /// The user cancelled or signing failed.
    NotSigned {
        /// WeChat's message, when present.
        message: Option<String>,
    },
    /// Nothing usable came back (the user switched apps, or the format is unknown).
    Unknown,
}

/// Reads the data WeChat hands back after signing: the Open SDK response's `extMsg` string on
/// apps, or `referrerInfo.extraData` (serialized as JSON) in a Mini Program's `onShow`.
///
/// Accepts JSON (`{"return_code":"SUCCESS","contract_id":"..."}`) and query strings
/// (`return_code=SUCCESS&contract_id=...`), the two shapes seen in WeChat's domestic flows.
pub fn parse_signing_return(data: &str) -> SigningReturn {
    let trimmed = data.trim();
    if trimmed.is_empty() {
        return SigningReturn::Unknown;
    }
    let fields: HashMap<String, String> = if trimmed.starts_with('{') {
        match serde_json::from_str::<HashMap<String, serde_json::Value>>(trimmed) {
            Ok(map) => map
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect(),
            Err(_) => return SigningReturn::Unknown,
        }
    } else {
        url::form_urlencoded::parse(trimmed.as_bytes()).into_owned().collect()
    };

    let code = fields.get("return_code").or_else(|| fields.get("result")).map(|c| c.to_ascii_uppercase());
    match code.as_deref() {
        Some("SUCCESS") => SigningReturn::Signed { contract_id: fields.get("contract_id").cloned() },
        Some(_) => SigningReturn::NotSigned { message: fields.get("return_msg").cloned() },
        None => SigningReturn::Unknown,
    }
}

/// Renders `url` (the PC Web `show_code_url`) as an SVG QR code, error-correction level M,
/// `module_pixels` pixels per module with the standard 4-module quiet zone.
pub fn qr_code_svg(url: &str, module_pixels: u32) -> Result<String> {
    crate::validate::length("show_code_url", url, 1, 2048)?;
    if !(1..=64).contains(&module_pixels) {
        return Err(Error::invalid_argument("module_pixels", format!("must be 1 to 64, got {module_pixels}")));
    }
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::invalid_argument("show_code_url", format!("cannot be encoded as a QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .module_dimensions(module_pixels, module_pixels)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_params_put_session_in_path() {
        let params = launch_params("000000000000000043", &SigningTarget::default());
        let params = params.ok();
        assert_eq!(params.as_ref().map(|p| p.path.as_str()), Some("pages/index/index?session_id=000000000000000043"));
        assert_eq!(params.map(|p| p.verified), Some(false));
    }

    #[test]
    fn signing_return_reads_json_and_query() {
        assert_eq!(
            parse_signing_return(r#"{"return_code":"SUCCESS","contract_id":"Wx1"}"#),
            SigningReturn::Signed { contract_id: Some("Wx1".into()) }
        );
        assert_eq!(
            parse_signing_return("return_code=FAIL&return_msg=user%20cancel"),
            SigningReturn::NotSigned { message: Some("user cancel".into()) }
        );
        assert_eq!(parse_signing_return("garbage{"), SigningReturn::Unknown);
    }

    #[test]
    fn qr_code_svg_is_svg() {
        let svg =
            qr_code_svg("https://osapp.pay.weixin.qq.com/global/papay/contracts/sessions/show_code?os_session_id=X", 4)
                .unwrap_or_default();
        assert!(svg.contains("<svg"));
    }
}
