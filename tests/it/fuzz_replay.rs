//! Replay the fuzz seeds and every shipped article through the fuzz entry
//! point (`haven::fuzz::pipeline`) so CI exercises it without a fuzzer.

#[test]
fn fuzz_seeds_and_shipped_content_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["fuzz/seeds", "content"] {
        for e in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let bytes = std::fs::read(e.path()).unwrap();
                haven::fuzz::pipeline(&bytes);
                // Truncations and byte flips of each input, too.
                for cut in [1, bytes.len() / 3, bytes.len() / 2] {
                    haven::fuzz::pipeline(&bytes[..cut.min(bytes.len())]);
                }
                let mut flipped = bytes.clone();
                for i in (0..flipped.len()).step_by(97) {
                    flipped[i] ^= 0x5a;
                }
                haven::fuzz::pipeline(&flipped);
                n += 1;
            }
        }
    }
    assert!(n > 40, "only {n} inputs replayed");
}
