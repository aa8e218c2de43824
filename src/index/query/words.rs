//! Steps 2 and 3: a query word's matches in the vocabulary (exact, and as a
//! prefix while typed), and the correction of a word with no match.

use super::*;

impl<S: Source> Engine<S> {
    /// Analyse one word (step 2 and 3; a word with no match is corrected
    /// only when `correct`).
    pub(super) fn match_word(&mut self, word: &str, typing: bool, correct: bool) -> Result<WordMatch, SearchError> {
        let chars = word.chars().count();
        let mut m = WordMatch {
            word: word.to_string(),
            kind: WordKind::None,
            corrected: None,
            terms: Vec::new(),
            surfaces: Vec::new(),
        };
        let stop = self.stop.contains(word);
        if stop && !typing {
            m.kind = WordKind::Stop;
            return Ok(m);
        }
        let mut terms: BTreeMap<u32, u32> = BTreeMap::new();
        let mut exact = false;
        // Words that start with a 2-letter prefix span several groups.
        let shards: Vec<usize> = if self.manifest.vocab.is_empty() {
            Vec::new()
        } else if typing && chars == 2 {
            vocab_shards_of_prefix(&self.manifest.vocab, word)
        } else {
            vocab_shard_of(&self.manifest.vocab, &vocab_key(word)).into_iter().collect()
        };
        for i in shards {
            let shard = self.load_vocab(i)?;
            for VocabWord { word: w, tid, .. } in &shard.words {
                if w == word {
                    terms.insert(*tid, EXACT);
                    m.surfaces.push(w.clone());
                    exact = true;
                } else if typing && chars >= 2 && w.starts_with(word) {
                    let e = terms.entry(*tid).or_insert(PREFIX);
                    *e = (*e).max(PREFIX);
                    m.surfaces.push(w.clone());
                }
            }
        }
        if !terms.is_empty() {
            m.kind = if typing && (terms.len() > 1 || !exact) { WordKind::Prefix } else { WordKind::Exact };
        } else if correct && !stop && !self.question.contains(word) && chars >= 3 {
            if let Some(w) = self.correct(word)? {
                let tid = self.vocab_shard(&w)?.and_then(|s| s.words.iter().find(|x| x.word == w)).map(|x| x.tid);
                if let Some(tid) = tid {
                    terms.insert(tid, EXACT);
                    m.kind = WordKind::Corrected;
                    m.surfaces.push(w.clone());
                    m.corrected = Some(w);
                }
            }
        }
        m.terms = terms.into_iter().collect();
        Ok(m)
    }

    /// The closest vocabulary word (step 3).
    pub(super) fn correct(&mut self, word: &str) -> Result<Option<String>, SearchError> {
        let typed: Vec<char> = word.chars().collect();
        let max = if typed.len() <= 4 { 1 } else { 2 };
        let group = vocab_key(word);
        let own: Vec<(String, u32)> = match self.vocab_shard(word)? {
            Some(shard) => {
                shard.words.iter().filter(|w| vocab_key(&w.word) == group).map(|w| (w.word.clone(), w.df)).collect()
            }
            None => Vec::new(),
        };
        let mut best: Option<Candidate> = None;
        consider(&mut best, &typed, max, 0, &own);
        if best.as_ref().is_some_and(|b| b.0 <= 1) {
            return Ok(best.map(|b| b.4));
        }
        if self.typo_tables.is_none() {
            self.typo_tables = Some(json("l", self.fetch("l")?)?);
        }
        let Some(tables) = self.typo_tables.clone() else { return Ok(best.map(|b| b.4)) };
        // Stage 1: words with the same first letter; stage 2: words whose
        // first letter is the typed second (the first one extra, or the two
        // swapped), or whose second letter is the typed second (the first
        // one wrong) or first (the first one missing). A closer word wins,
        // then an earlier stage. Each stage's lists are loaded in phases:
        // first the lengths that one edit reaches, and the rest of the
        // lengths (`max` edits) only when no word is one edit away. Every
        // word one edit away from the typed one is in the first phases'
        // lists (or in stage 1's, which phase 1 loaded), so the phases find
        // the word that loading every list at once would.
        let n = typed.len() as u32;
        let (lo, hi) = (n.saturating_sub(max as u32), n + max as u32);
        let lists = |table: &[(String, Vec<u32>)], prefix: &str, letter: char, lo: u32, hi: u32| -> Vec<String> {
            typo_lists_of(table, letter, lo, hi).into_iter().map(|i| format!("{prefix}{i}")).collect()
        };
        let stage2 = |lo: u32, hi: u32, near: bool| -> Vec<String> {
            let Some(&second) = typed.get(1) else { return Vec::new() };
            let mut v = lists(&tables.t, "t", second, lo, hi);
            if near {
                v.extend(lists(&tables.u, "u", second, n, n));
                v.extend(lists(&tables.u, "u", typed[0], n + 1, n + 1));
            } else {
                v.extend(lists(&tables.u, "u", second, lo, hi));
                v.extend(lists(&tables.u, "u", typed[0], lo, hi));
            }
            v
        };
        let mut phases = vec![
            vec![(1, lists(&tables.t, "t", typed[0], n.saturating_sub(1), n + 1))],
            vec![(2, stage2(n.saturating_sub(1), n + 1, true))],
        ];
        if max > 1 {
            phases.push(vec![(1, lists(&tables.t, "t", typed[0], lo, hi)), (2, stage2(lo, hi, false))]);
        }
        for phase in phases {
            for (stage, names) in phase {
                let mut candidates = Vec::new();
                for name in names {
                    candidates.extend(self.typo_list(&name)?.w.iter().cloned());
                }
                consider(&mut best, &typed, max, stage, &candidates);
            }
            if best.as_ref().is_some_and(|b| b.0 <= 1) {
                break;
            }
        }
        Ok(best.map(|b| b.4))
    }
}

/// A typo correction, best first: (distance, stage, common suffix, sections, word).
type Candidate = (usize, u32, std::cmp::Reverse<usize>, std::cmp::Reverse<u32>, String);

/// Keep in `best` the closest of `candidates` (word, sections) to `typed`
/// within `max` edits: smallest distance, then earliest stage, then the
/// longest common ending (the evidence when the start is in doubt), then
/// most sections, then the smaller word.
fn consider(best: &mut Option<Candidate>, typed: &[char], max: usize, stage: u32, candidates: &[(String, u32)]) {
    for (w, df) in candidates {
        let chars: Vec<char> = w.chars().collect();
        let Some(d) = osa_distance(typed, &chars, max) else { continue };
        let suffix = typed.iter().rev().zip(chars.iter().rev()).take_while(|(a, b)| a == b).count();
        let c = (d, stage, std::cmp::Reverse(suffix), std::cmp::Reverse(*df), w.clone());
        if best.as_ref().is_none_or(|b| c < *b) {
            *best = Some(c);
        }
    }
}

/// Optimal string alignment distance (adjacent transpositions count 1),
/// or `None` when it exceeds `max`.
pub fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let v = d[a.len() * w + b.len()];
    (v <= max).then_some(v)
}
