//! The phone's part of APP signing, and the PC Web QR code.
//!
//! The flow: the app requests a signing session from its backend, which calls `appPreSign` and
//! returns the `session_id`. The app passes [`signing_launch_params`] to the WeChat OpenSDK
//! (`WXLaunchMiniProgram.Req` on Android, `WXLaunchMiniProgramReq` on iOS), which opens WeChat's
//! signing Mini Program. When WeChat returns to the app, [`parse_signing_return`] reads the
//! OpenSDK response's `extMsg`.
//!
//! Only the backend confirms a contract: by the `PAPAY.SIGN` notification or by a contract
//! query. What WeChat hands back to the app travels through the user's device, so it is a hint
//! for the UI and never proof of a contract.
//!
//! NOTE: WeChat Pay's Global documentation of this step could not be read in full. Unverified:
//! the signing Mini Program's id (`userName`), the page path, the query key that carries the
//! session id, and the format of the data WeChat returns. The defaults come from WeChat Pay's
//! China-domestic flow, [`SigningTarget`] lets an app override them, and
//! [`LaunchParams::verified`] is `false`.

use std::collections::HashMap;

use crate::error::{PayError, PayResult};

/// Mini Program, page and query key that receive the signing session. The defaults are the
/// China-domestic values, unverified for Global.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SigningTarget {
    /// Original id `gh_...` for the OpenSDK's `userName`, or the Mini Program AppID for
    /// `wx.navigateToMiniProgram`.
    #[uniffi(default = "wxbd687630cd02ce1d")]
    pub mini_program: String,
    /// Page path without query.
    #[uniffi(default = "pages/index/index")]
    pub page: String,
    /// Query key that carries the session id.
    #[uniffi(default = "session_id")]
    pub session_key: String,
}

impl From<SigningTarget> for papay::app_signing::SigningTarget {
    fn from(t: SigningTarget) -> Self {
        Self { mini_program: t.mini_program, page: t.page, session_key: t.session_key }
    }
}

/// Parameters the app passes to the WeChat OpenSDK to open the signing Mini Program.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LaunchParams {
    /// `WXLaunchMiniProgram.Req.userName` (Android) or `WXLaunchMiniProgramReq.userName` (iOS).
    pub mini_program: String,
    /// Page path with the session id in its query, e.g. `pages/index/index?session_id=...`.
    pub path: String,
    /// `extraData` for `wx.navigateToMiniProgram` (Mini Program callers): the session id under
    /// the session key.
    pub extra_data: HashMap<String, String>,
    /// `miniprogramType`: 0 is the released version.
    pub mini_program_type: u8,
    /// Whether these values were confirmed against WeChat Pay's Global documentation; `false`
    /// in this version.
    pub verified: bool,
}

/// Result that WeChat reports back to the app, a hint for the UI only.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SigningReturn {
    /// The user appears to have signed. Confirm on the backend before granting anything.
    Signed { contract_id: Option<String> },
    /// The user cancelled or signing failed.
    NotSigned { message: Option<String> },
    /// Nothing usable came back (the user switched apps, or the format is unknown).
    Unknown,
}

/// Builds the OpenSDK launch parameters for `session_id` from the backend's `appPreSign`.
/// `target` defaults to [`SigningTarget`]'s unverified China-domestic values.
#[uniffi::export(default(target = None))]
pub fn signing_launch_params(session_id: String, target: Option<SigningTarget>) -> PayResult<LaunchParams> {
    let target = target.map(papay::app_signing::SigningTarget::from).unwrap_or_default();
    let params = papay::app_signing::launch_params(&session_id, &target)?;
    Ok(LaunchParams {
        mini_program: params.mini_program,
        path: params.path,
        extra_data: params.extra_data,
        mini_program_type: params.mini_program_type,
        verified: params.verified,
    })
}

/// Reads what WeChat hands back after signing: the OpenSDK response's `extMsg` string, or a
/// Mini Program's `referrerInfo.extraData` serialized as JSON. Accepts JSON
/// (`{"return_code":"SUCCESS","contract_id":"..."}`) and query strings
/// (`return_code=SUCCESS&contract_id=...`); anything else is `Unknown`.
#[uniffi::export]
pub fn parse_signing_return(data: String) -> SigningReturn {
    match papay::app_signing::parse_signing_return(&data) {
        papay::app_signing::SigningReturn::Signed { contract_id } => SigningReturn::Signed { contract_id },
        papay::app_signing::SigningReturn::NotSigned { message } => SigningReturn::NotSigned { message },
        papay::app_signing::SigningReturn::Unknown => SigningReturn::Unknown,
    }
}

/// Renders the PC Web `show_code_url` as an SVG QR code (error correction M, 4-module quiet
/// zone), `module_pixels` (1 to 64) pixels per module.
#[uniffi::export(default(module_pixels = 4))]
pub fn qr_code_svg(url: String, module_pixels: u32) -> PayResult<String> {
    papay::app_signing::qr_code_svg(&url, module_pixels).map_err(PayError::from)
}

#[cfg(test)]
mod tests {
    /// The record's defaults are literals because uniffi cannot refer to constants; this keeps
    /// them equal to the core's.
    #[test]
    fn signing_target_literals_match_core_defaults() {
        let core = papay::app_signing::SigningTarget::default();
        assert_eq!(core.mini_program, "wxbd687630cd02ce1d");
        assert_eq!(core.page, "pages/index/index");
        assert_eq!(core.session_key, "session_id");
    }
}
