//! Percent-encoding of path segments and query values, done once, so that the signed target is
//! byte for byte the request-line target.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything except the RFC 3986 unreserved characters is encoded, so `/`, `?`, `#`, `&`, `=`,
/// `+`, `%` and spaces inside a value can never change the structure of the target.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Encodes one path segment or query value.
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

/// Builds a request target from a path template's literal parts and values.
#[derive(Debug, Default, Clone)]
pub struct Target {
    path: String,
    query: Vec<(&'static str, String)>,
}

impl Target {
    /// Starts with a literal path such as `/v3/global/refunds`.
    pub fn new(path: &str) -> Self {
        Self { path: path.to_owned(), query: Vec::new() }
    }

    /// Appends `/` and the encoded `segment`.
    pub fn segment(mut self, segment: &str) -> Self {
        self.path.push('/');
        self.path.push_str(&encode_component(segment));
        self
    }

    /// Appends a literal path part such as `/terminate`.
    pub fn literal(mut self, part: &str) -> Self {
        self.path.push_str(part);
        self
    }

    /// Adds a query parameter; values are encoded when the target is built.
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Adds a query parameter when `value` is present.
    pub fn query_opt(self, name: &'static str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Returns the path with the encoded query string, as signed and sent.
    pub fn build(&self) -> String {
        let mut target = self.path.clone();
        for (index, (name, value)) in self.query.iter().enumerate() {
            target.push(if index == 0 { '?' } else { '&' });
            target.push_str(name);
            target.push('=');
            target.push_str(&encode_component(value));
        }
        target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_encodes_slash_and_space() {
        let target = Target::new("/v3/global/papay/transactions/out-trade-no").segment("A/B C").build();
        assert_eq!(target, "/v3/global/papay/transactions/out-trade-no/A%2FB%20C");
    }

    #[test]
    fn query_values_are_encoded_once() {
        let target = Target::new("/v3/global/refunds").query("out_trade_no", "a&b=c%").query("offset", "0").build();
        assert_eq!(target, "/v3/global/refunds?out_trade_no=a%26b%3Dc%25&offset=0");
    }

    #[test]
    fn non_ascii_is_utf8_percent_encoded() {
        assert_eq!(encode_component("\u{4e2d}"), "%E4%B8%AD");
    }
}
