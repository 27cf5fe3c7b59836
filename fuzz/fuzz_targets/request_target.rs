//! Property check of `encoding::Target`: path segments and query values of any content give a
//! request target that parses back to the same values.
//!
//! Input: one byte whose low two bits give the number of path segments (0 to 3), then values
//! separated by `\0`, read as UTF-8 with invalid bytes replaced. The first values are the path
//! segments, the rest query values under fixed names.
//!
//! The built target must be printable ASCII without spaces, start with the literal path, split
//! at its first `?` into path and query, and give back every value after percent-decoding. No
//! `/`, `?`, `#`, `&` or `=` appears raw inside a value, so no value can add a path segment, end
//! the path, start a fragment or add a query parameter.

#![no_main]

use libfuzzer_sys::fuzz_target;
use papay::encoding::Target;
use percent_encoding::percent_decode_str;

const BASE: &str = "/v3/global/papay/contracts";
const QUERY_NAMES: [&str; 5] = ["appid", "plan_id", "sub_mchid", "out_trade_no", "offset"];
const STRUCTURAL: [char; 5] = ['/', '?', '#', '&', '='];

fuzz_target!(|data: &[u8]| {
    let Some((&shape, rest)) = data.split_first() else { return };
    let values: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split(|&byte| byte == 0).map(|part| String::from_utf8_lossy(part).into_owned()).collect()
    };
    let segment_count = usize::from(shape & 0b11).min(values.len());
    let (segments, query_values) = values.split_at(segment_count);

    let mut target = Target::new(BASE);
    for segment in segments {
        target = target.segment(segment);
    }
    let mut expected_query = Vec::new();
    for (index, value) in query_values.iter().enumerate() {
        let name = QUERY_NAMES[index % QUERY_NAMES.len()];
        target = target.query(name, value.as_str());
        expected_query.push((name, value.as_str()));
    }
    let built = target.build();

    assert!(built.bytes().all(|b| b.is_ascii_graphic()), "target has a byte outside printable ASCII: {built:?}");
    assert!(!built.contains('#'), "target contains '#': {built:?}");

    let (path, query) = match built.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (built.as_str(), None),
    };
    let encoded_segments = path.strip_prefix(BASE).unwrap_or_else(|| panic!("target lost its literal path: {built:?}"));
    check_segments(encoded_segments, segments, &built);
    check_query(query, &expected_query, &built);
});

/// `encoded` is the path after the literal prefix: `/SEGMENT` once per segment.
fn check_segments(encoded: &str, segments: &[String], built: &str) {
    if segments.is_empty() {
        assert!(encoded.is_empty(), "path has extra text {encoded:?}: {built:?}");
        return;
    }
    let parts: Vec<&str> =
        encoded.strip_prefix('/').unwrap_or_else(|| panic!("no '/' before a segment: {built:?}")).split('/').collect();
    assert_eq!(parts.len(), segments.len(), "segment count changed: {built:?}");
    for (part, segment) in parts.iter().zip(segments) {
        assert_value(part, segment, built);
    }
}

fn check_query(query: Option<&str>, expected: &[(&str, &str)], built: &str) {
    let Some(query) = query else {
        assert!(expected.is_empty(), "query missing: {built:?}");
        return;
    };
    let pairs: Vec<&str> = query.split('&').collect();
    assert_eq!(pairs.len(), expected.len(), "query parameter count changed: {built:?}");
    for (pair, (name, value)) in pairs.iter().zip(expected) {
        let (got_name, got_value) = pair.split_once('=').unwrap_or_else(|| panic!("parameter without '=': {built:?}"));
        assert_eq!(got_name, *name, "query name changed: {built:?}");
        assert_value(got_value, value, built);
    }
}

fn assert_value(encoded: &str, original: &str, built: &str) {
    assert!(!encoded.contains(STRUCTURAL), "raw structural character in {encoded:?}: {built:?}");
    let decoded = percent_decode_str(encoded).decode_utf8().unwrap_or_else(|e| panic!("{encoded:?} is not UTF-8: {e}"));
    assert_eq!(decoded, original, "value changed by encoding: {built:?}");
}
