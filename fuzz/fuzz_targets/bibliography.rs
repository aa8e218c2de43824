//! Fuzz the bibliography readers (BibTeX, CSL-JSON, hayagriva YAML) and the
//! citation style that formats what they read.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run bibliography fuzz/seeds/bibliography -- -max_total_time=600`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    haven::fuzz::bibliography(data);
});
