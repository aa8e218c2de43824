//! Tests of the link stage's helpers.

use super::*;

#[test]
fn relative_paths_normalise_and_cannot_escape() {
    assert_eq!(normalize_rel("a/b", "../c/d.md").as_deref(), Some("a/c/d.md"));
    assert_eq!(normalize_rel("", "x.md").as_deref(), Some("x.md"));
    assert_eq!(normalize_rel("a", "../../etc/passwd"), None);
}

proptest::proptest! {
    #[test]
    fn relative_links_never_escape(base in "([a-z]{1,3}/){0,3}", target in "(\\.\\./|\\./|[a-z]{1,3}/|/){0,6}[a-z]{0,3}(\\.md)?") {
        if let Some(p) = normalize_rel(base.trim_end_matches('/'), &target) {
            proptest::prop_assert!(!p.split('/').any(|s| s == ".." || s == "."));
            proptest::prop_assert!(!p.starts_with('/'));
        }
    }
}

#[test]
fn term_forms_include_plurals_longest_first() {
    let f = term_forms("Secure base", &["safe haven".into()]);
    assert_eq!(f[0], "secure bases");
    assert!(f.contains(&"safe havens".to_string()));
    assert!(term_forms("Therapy", &[]).contains(&"therapies".to_string()));
}

#[test]
fn find_word_respects_boundaries() {
    assert_eq!(find_word("the bond and bonding", "bond"), Some(4..8));
    assert_eq!(find_word("bonding", "bond"), None);
}
