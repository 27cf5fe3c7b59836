//! Case-insensitive header lookup over the header containers merchants' frameworks hand over.

use std::collections::{BTreeMap, HashMap};

/// Anything that can look up a header value by name, ignoring ASCII case.
pub trait HeaderSource {
    /// Returns the first value of `name`, compared without regard to ASCII case.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderSource for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|value| value.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name)).map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S> HeaderSource for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name)).map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name)).map(|(_, value)| value.as_ref())
    }
}

/// Header names of WeChat Pay's signature.
pub mod names {
    pub const TIMESTAMP: &str = "Wechatpay-Timestamp";
    pub const NONCE: &str = "Wechatpay-Nonce";
    pub const SIGNATURE: &str = "Wechatpay-Signature";
    pub const SERIAL: &str = "Wechatpay-Serial";
    pub const SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";
    pub const REQUEST_ID: &str = "Request-ID";
}
