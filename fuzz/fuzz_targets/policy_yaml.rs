//! Any text as a referral policy: a located error or a policy that binds to
//! the built-ins (or says why not), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use psyscreen::instrument;
use psyscreen::score::Battery;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = psyscreen::policy::load_str("fuzz.yaml", text) {
        let specs = ["phq9".to_string(), "gad7".to_string(), "asq".to_string()];
        let battery = Battery::new(instrument::resolve(&specs).expect("built-ins load"));
        let _ = policy.bind(&battery, &instrument::BuiltinNames::default());
    }
});
