//! Fuzz the theme: the input is compiled as `page.html` and a page rendered with it.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run template fuzz/seeds/template -- -max_total_time=600`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    haven::fuzz::template(data);
});
