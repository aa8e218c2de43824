//! Text analysis: how text becomes words (what a reader types) and terms
//! (what the index stores).
//!
//! - A **word** is a run of Unicode letters and digits, lower-cased
//!   (`SimpleTokenizer` + `LowerCaser`). The browser splits queries the same
//!   way (`/[\p{Alphabetic}\p{N}]+/u`, `toLowerCase`).
//! - A **term** is a word that is not a stop word, shorter than
//!   [`MAX_WORD_BYTES`], stemmed with the English Snowball stemmer.
//!
//! The browser never stems: the exported vocabulary maps every word of the
//! site to its term, so a query word is looked up, not analysed.
//!
//! **Stop words.** We drop Lucene's 33 English stop words ([`STOP_WORDS`])
//! at index time. They occur in nearly every section, so their postings
//! would be the largest shards of the index while carrying almost no ranking
//! signal (BM25 gives them an idf near zero). Queries drop them too, except
//! the word being typed, which is matched as a prefix ("the" → "therapy").

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Name the stemming analyzer is registered under in the tantivy index.
pub const TOKENIZER: &str = "haven_en";

/// Words of this many bytes or more are not indexed (long URLs, hashes).
pub const MAX_WORD_BYTES: usize = 40;

/// Lucene's English stop words (the list tantivy ships for `Language::English`).
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

/// Words of a question rather than of its subject ("what if i dont like my
/// therapist"): a query drops them when it has other words (never the word
/// being typed), and never corrects them. They include the pieces an
/// apostrophe leaves of a contraction (`don't` → `don`, `t`) and the
/// contraction typed without it (`dont`), so `don't`, `don’t` and `dont`
/// read alike and are never "corrected" into fragments. They stay indexed:
/// a query of nothing else still finds them.
pub const QUESTION_WORDS: &[&str] = &[
    "what", "when", "where", "why", "how", "who", "which", "whom", "whose", "is", "am", "was", "were", "do", "does",
    "did", "doing", "done", "can", "could", "should", "would", "will", "may", "might", "must", "shall", "have", "has",
    "had", "i", "me", "my", "mine", "myself", "you", "your", "yours", "we", "our", "us", "he", "she", "him", "her",
    "his", "them", "its", "im", "ive", "id", "youre", "theyre", "whats", "hows", "dont", "doesnt", "didnt", "isnt",
    "arent", "wasnt", "werent", "cant", "cannot", "couldnt", "wouldnt", "shouldnt", "wont", "havent", "hasnt", "hadnt",
    "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "couldn", "wouldn", "shouldn", "hasn", "hadn", "t", "s",
    "m", "re", "ve", "ll", "d", "so", "just", "really", "get", "getting", "got", "about", "any", "some", "there",
    "here", "ok", "okay", "please",
];

/// The index analyzer: words → stemmed terms, stop words removed.
pub fn stemming() -> TextAnalyzer {
    stemming_with(None)
}

/// [`stemming`], noting every word it stems, with its term, in `log`: what
/// an index built with it maps each of its words to, without analysing the
/// site's text a second time.
pub fn stemming_logged(log: StemLog) -> TextAnalyzer {
    stemming_with(Some(log))
}

fn stemming_with(log: Option<StemLog>) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string())))
        .filter(CachedStemmer { log })
        .build()
}

/// Words (lower-cased) and the terms they were indexed as, shared by every
/// copy of an analyzer made with [`stemming_logged`].
pub type StemLog = std::sync::Arc<std::sync::Mutex<HashMap<String, String>>>;

/// The English Snowball stemmer (as tantivy's `Stemmer` runs it), each
/// word stemmed once per analyzer: a site says the same words again and
/// again, and stemming was most of tantivy's indexing time.
#[derive(Clone, Default)]
pub struct CachedStemmer {
    log: Option<StemLog>,
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter { inner, stems: FxHashMap::default(), log: self.log }
    }
}

/// The tokenizer [`CachedStemmer`] makes: its words' stems, by word (a
/// lookup per token: hashed with rustc's Fx hash, not SipHash, as the
/// words are the site's own, not an attacker's).
#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    stems: FxHashMap<String, String>,
    log: Option<StemLog>,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let CachedStemmerFilter { inner, stems, log } = self;
        CachedStemStream {
            tail: inner.token_stream(text),
            stems,
            log: log.as_ref(),
            stemmer: rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English),
        }
    }
}

pub struct CachedStemStream<'a, S> {
    tail: S,
    stems: &'a mut FxHashMap<String, String>,
    log: Option<&'a StemLog>,
    stemmer: rust_stemmers::Stemmer,
}

impl<S: TokenStream> TokenStream for CachedStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        match self.stems.get(&token.text) {
            Some(stem) => {
                token.text.clear();
                token.text.push_str(stem);
            }
            None => {
                let stem = self.stemmer.stem(&token.text).into_owned();
                let word = std::mem::replace(&mut token.text, stem.clone());
                // Once per word and copy of the analyzer: a lock only for a new word.
                if let Some(log) = self.log {
                    let mut log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if !log.contains_key(&word) {
                        log.insert(word.clone(), stem.clone());
                    }
                }
                self.stems.insert(word, stem);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Words as a reader sees them: split and lower-cased, nothing removed.
pub fn surface() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).build()
}

/// Every word of `text`, in order.
pub fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_word(analyzer, text, |w| out.push(w.to_string()));
    out
}

/// Calls `f` with every word of `text`, in order, without allocating one.
pub fn each_word(analyzer: &mut TextAnalyzer, text: &str, mut f: impl FnMut(&str)) {
    analyzer.token_stream(text).process(&mut |t| f(&t.text));
}

/// The term a single word is indexed as, or `None` for stop words and
/// over-long words.
pub fn term_of(stemmer: &mut TextAnalyzer, word: &str) -> Option<String> {
    let mut terms = words(stemmer, word);
    (terms.len() == 1).then(|| terms.remove(0))
}

/// Whether a query ends inside a word (the reader is still typing it).
pub fn ends_in_word(query: &str) -> bool {
    query.chars().last().is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, Stemmer};

    #[test]
    fn words_split_on_non_alphanumerics_and_lowercase() {
        let mut s = surface();
        assert_eq!(
            words(&mut s, "Rupture & Repair: don't-panic, Ünïcode 42x"),
            ["rupture", "repair", "don", "t", "panic", "ünïcode", "42x"]
        );
    }

    #[test]
    fn terms_are_stemmed_and_stop_words_dropped() {
        let mut st = stemming();
        assert_eq!(
            words(&mut st, "The therapists were attaching to the relationships"),
            ["therapist", "were", "attach", "relationship"]
        );
        assert_eq!(term_of(&mut st, "attachment").as_deref(), Some("attach"));
        assert_eq!(term_of(&mut st, "the"), None);
        assert_eq!(term_of(&mut st, &"x".repeat(MAX_WORD_BYTES)), None);
        assert_eq!(term_of(&mut st, &"x".repeat(MAX_WORD_BYTES - 1)).map(|t| t.len()), Some(MAX_WORD_BYTES - 1));
    }

    #[test]
    fn stop_words_match_tantivys_english_list() {
        let ours = StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string()));
        let theirs = StopWordFilter::new(Language::English).expect("english stop words");
        let mut a = TextAnalyzer::builder(SimpleTokenizer::default()).filter(ours).build();
        let mut b = TextAnalyzer::builder(SimpleTokenizer::default()).filter(theirs).build();
        let probe = "a an and are as at be but by for if in into is it no not of on or such that the their then \
                     there these they this to was will with we you";
        assert_eq!(words(&mut a, probe), words(&mut b, probe));
        assert_eq!(words(&mut a, probe), ["we", "you"]);
    }

    #[test]
    fn the_cached_stemmer_stems_as_tantivys_stemmer_does() {
        let tantivys = || {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
                .filter(LowerCaser)
                .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|w| w.to_string())))
                .filter(Stemmer::new(Language::English))
                .build()
        };
        let (mut ours, mut theirs) = (stemming(), tantivys());
        let text = "Therapists attaching, attached; relationships RELATIONAL running runner ran ünïcode \
                    generously generous generosity 42x caring cares cared carefully";
        // Twice through the same analyzer: the second pass reads the memo.
        for _ in 0..2 {
            assert_eq!(words(&mut ours, text), words(&mut theirs, text));
        }
        let ours_tokens: Vec<(usize, usize, usize)> = {
            let mut v = Vec::new();
            ours.token_stream(text).process(&mut |t| v.push((t.offset_from, t.offset_to, t.position)));
            v
        };
        let mut theirs_tokens = Vec::new();
        theirs.token_stream(text).process(&mut |t| theirs_tokens.push((t.offset_from, t.offset_to, t.position)));
        assert_eq!(ours_tokens, theirs_tokens, "offsets and positions too");
    }

    #[test]
    fn typing_state() {
        assert!(ends_in_word("secure att"));
        assert!(!ends_in_word("secure "));
        assert!(!ends_in_word(""));
    }
}
