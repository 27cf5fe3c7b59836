//! Typed requests and responses for every Global Auto-Debit endpoint.
//!
//! Request types hold only the endpoint's own fields; the merchant identity (`appid`, or
//! `sp_appid` and `sub_mchid`, and `mchid` on refunds) comes from the client's [`Mode`](crate::Mode)
//! and is added when the body is serialized. Response types accept both modes' identity fields,
//! ignore unknown keys and keep unknown enum values, because WeChat Pay may add either.
//! Amounts are `i64` minor units of the currency; times are RFC 3339 with offset.

pub mod contracts;
pub mod refunds;
pub mod signing;
pub mod transactions;

/// Declares an enum whose wire form is a string and that keeps unknown values.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this SDK version does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Returns the wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(value) => value,
                }
            }

            /// Parses a wire value, comparing without regard to ASCII case.
            pub fn parse(value: &str) -> Self {
                $(if value.eq_ignore_ascii_case($wire) { return $name::$variant; })+
                $name::Unknown(value.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok($name::parse(&value))
            }
        }
    };
}
pub(crate) use open_enum;

use serde::{Deserialize, Serialize};

open_enum! {
    /// Kind of rate in `exchange_rate.rate`.
    ExchangeRateType {
        /// Rate used for settlement to the merchant.
        SettlementRate => "SETTLEMENT_RATE",
        /// Rate applied to the user's payment.
        UserPaymentRate => "USERPAYMENT_RATE",
    }
}

/// Exchange rate between the order currency and the user's currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRate {
    /// Rate kind.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub rate_type: Option<ExchangeRateType>,
    /// Rate multiplied by 10^8 (100000000 for identical currencies).
    // NOTE: the x10^8 scale is inferred from WeChat Pay's samples, not stated in its documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<i64>,
}

/// A WeChat user as identified in responses: `openid` in Common mode, `sp_openid` and/or
/// `sub_openid` in Institutional mode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payer {
    /// Openid under `appid` (Common mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// Openid under `sp_appid` (Institutional mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// Openid under `sub_appid` (Institutional mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

/// Identity fields of a response: Common mode fills `mchid`/`appid`, Institutional mode the
/// `sp_*`/`sub_*` ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseIdentity {
    /// Merchant id (Common mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// AppID (Common mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Institution merchant id (Institutional mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// Institution AppID (Institutional mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_appid: Option<String>,
    /// Sub-merchant id (Institutional mode); route notifications on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// Sub-merchant AppID (Institutional mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
}

/// RFC 3339 time with offset, as WeChat Pay sends and expects it.
pub type Timestamp = chrono::DateTime<chrono::FixedOffset>;

/// Serializes a time as RFC 3339 with seconds precision and its offset, e.g.
/// `2030-01-01T12:00:00+08:00`.
pub(crate) fn serialize_time_opt<S: serde::Serializer>(
    value: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(time) => serializer.serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
        None => serializer.serialize_none(),
    }
}

/// Unit returned by endpoints that answer `204 No Content`.
pub type NoContent = ();
