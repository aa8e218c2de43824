//! Fuzz the whole page pipeline: front matter + markdown + citations + links + render.
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run pipeline fuzz/seeds/pipeline -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    haven::fuzz::pipeline(data);
});
