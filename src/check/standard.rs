//! `haven check --standard nhs|pif`: how the site stands against the parts of
//! a health-information standard a tool can check — a named publisher,
//! named reviewers with credentials, review dates, sources, a feedback
//! route, disclosure, change history, plain language, privacy — per site and
//! per page, with what is missing. What needs a person to judge (involving
//! users, testing with real readers, clinical accuracy) is listed as such and
//! never marked met.

use serde::Serialize;

use super::Report;
use crate::site::{Date, Site};

/// The standards `--standard` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standard {
    /// NHS England's Standard for creating health content.
    Nhs,
    /// The Patient Information Forum's PIF TICK criteria.
    Pif,
}

impl Standard {
    pub fn title(self) -> &'static str {
        match self {
            Standard::Nhs => "NHS Standard for creating health content",
            Standard::Pif => "PIF TICK (Patient Information Forum)",
        }
    }
}

/// Met, partly met (some pages), or not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Met,
    Partly,
    NotMet,
}

#[derive(Debug, Serialize)]
pub struct Criterion {
    pub id: &'static str,
    pub name: &'static str,
    pub status: Status,
    /// What was found, in a sentence.
    pub detail: String,
    /// Pages (files) that fall short, when the criterion is judged per page.
    pub pages: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Assessment {
    pub standard: Standard,
    pub title: &'static str,
    pub as_of: String,
    pub criteria: Vec<Criterion>,
    /// What the standard asks that only a person can judge.
    pub needs_a_person: Vec<&'static str>,
}

impl Assessment {
    pub fn met(&self) -> usize {
        self.criteria.iter().filter(|c| c.status == Status::Met).count()
    }
}

/// Judge `site` (with its check `report`) as of `today`.
pub fn assess(site: &Site, report: &Report, today: Date, standard: Standard) -> Assessment {
    let cfg = &site.config.site;
    let articles: Vec<&crate::site::Page> = site.articles().collect();
    let n = articles.len();
    let files = |pred: &dyn Fn(&crate::site::Page) -> bool| -> Vec<String> {
        articles.iter().filter(|p| pred(p)).map(|p| p.file.display().to_string()).collect()
    };
    let per_page = |id, name, short: Vec<String>, ok: String, why: &str| -> Criterion {
        let status = match short.len() {
            0 => Status::Met,
            k if k == n => Status::NotMet,
            _ => Status::Partly,
        };
        let detail = if short.is_empty() { ok } else { format!("{} of {n} articles {why}", short.len()) };
        Criterion { id, name, status, detail, pages: short }
    };
    let mut criteria = Vec::new();

    criteria.push(if cfg.practice.name.trim().is_empty() {
        Criterion {
            id: "publisher",
            name: "Named publisher",
            status: Status::NotMet,
            detail: "no `[practice] name` in haven.toml".into(),
            pages: vec![],
        }
    } else {
        Criterion {
            id: "publisher",
            name: "Named publisher",
            status: Status::Met,
            detail: format!("\"{}\" on every page", cfg.practice.name),
            pages: vec![],
        }
    });

    let qualified = |p: &crate::site::Page| {
        site.person(site.reviewer_of(p)).is_some_and(|(_, who)| !who.placeholder && !who.credentials.trim().is_empty())
    };
    let mut c = per_page(
        "reviewer",
        "Named reviewer with credentials",
        files(&|p| !qualified(p)),
        format!("all {n} articles name a reviewer of [people] with credentials"),
        "are not reviewed by a named person with credentials",
    );
    let placeholders: Vec<&str> = cfg
        .people
        .iter()
        .filter(|(id, who)| who.placeholder && articles.iter().any(|p| site.reviewer_of(p) == id.as_str()))
        .map(|(id, _)| id.as_str())
        .collect();
    if !placeholders.is_empty() {
        c.detail.push_str(&format!(
            "; `{}` {} a placeholder identity: name the qualified person who reviews",
            placeholders.join("`, `"),
            if placeholders.len() == 1 { "is" } else { "are" }
        ));
    }
    criteria.push(c);

    let overdue = |p: &crate::site::Page| {
        p.next_review(cfg.defaults.review_interval_months)
            .is_none_or(|d| d.days_since_epoch() < today.days_since_epoch())
    };
    criteria.push(per_page(
        "review-dates",
        "Review dates shown and not overdue",
        files(&|p| p.meta.last_reviewed.is_none() || overdue(p)),
        format!(
            "every article shows when it was last reviewed and when it is next due; none is overdue ({} due within {} days)",
            report.reviews.len(),
            cfg.check.review_window_days
        ),
        "have no review date or are overdue",
    ));

    let cited = || site.cited_order.iter().map(|&i| &site.sources[i]);
    let unverified = cited().filter(|s| s.note.to_uppercase().contains("UNVERIFIED")).count();
    let untyped = cited().filter(|s| s.evidence.kind.is_none()).count();
    let uncited: Vec<String> =
        report.articles.iter().filter(|a| a.uncited_claims > 0).map(|a| a.file.clone()).collect();
    let mut c = per_page(
        "sources",
        "Sources recorded for claims",
        uncited,
        format!(
            "every sentence that reads as a research claim cites a source ({} such sentences; {} sources cited in all)",
            report.heuristic_matches_cited, report.distinct_sources_cited
        ),
        "have sentences that read as research claims without a source",
    );
    if c.status == Status::Met && (unverified > 0 || untyped > 0) {
        c.status = Status::Partly;
        let mut short = Vec::new();
        if unverified > 0 {
            short.push(format!(
                "{unverified} cited source{} marked unverified",
                if unverified == 1 { " is" } else { "s are" }
            ));
        }
        if untyped > 0 {
            short.push(format!(
                "{untyped} cited source{} no evidence type",
                if untyped == 1 { " has" } else { "s have" }
            ));
        }
        c.detail = format!("every claim is cited, but {}", short.join(" and "));
    }
    criteria.push(c);

    let feedback = !cfg.feedback.email.trim().is_empty() || !cfg.feedback.url.trim().is_empty();
    criteria.push(Criterion {
        id: "feedback",
        name: "A way for readers to give feedback",
        status: if feedback { Status::Met } else { Status::NotMet },
        detail: if feedback {
            "\"Report a problem with this page\" on every article".into()
        } else {
            "no `[feedback] email` or `url` in haven.toml: articles have no \"Report a problem\" link".into()
        },
        pages: vec![],
    });

    criteria.push(Criterion {
        id: "disclosure",
        name: "Funding and conflicts of interest disclosed",
        status: if cfg.disclosure.trim().is_empty() { Status::NotMet } else { Status::Met },
        detail: if cfg.disclosure.trim().is_empty() {
            "no `disclosure` in haven.toml".into()
        } else {
            "a disclosure statement in every page's footer and in the editorial policy".into()
        },
        pages: vec![],
    });

    // A written history, or (the fallback) the date git last changed the file.
    let mut c = per_page(
        "change-history",
        "Change history",
        files(&|p| p.meta.changes.is_empty() && p.git_changed.is_none()),
        "every article says what changed and when".into(),
        "have no `[[changes]]` history and no date from git",
    );
    let dated = articles.iter().filter(|p| p.meta.changes.is_empty() && p.git_changed.is_some()).count();
    if dated > 0 {
        c.detail = format!(
            "{} of {n} articles say what changed and when; {dated} show only the date git last changed them (write \
             `[[changes]]` to say what changed)",
            n - dated - c.pages.len()
        );
    }
    criteria.push(c);

    criteria.push(per_page(
        "plain-language",
        "Plain language for the public",
        report.articles.iter().filter(|a| a.client_facing && a.grade > 8.0).map(|a| a.file.clone()).collect(),
        "every page for clients reads at grade 8 or below (Flesch–Kincaid)".into(),
        "for clients read above grade 8",
    ));
    // Plain language concerns client pages only: "not met" means all of them.
    if let Some(c) = criteria.last_mut() {
        let clients = report.articles.iter().filter(|a| a.client_facing).count();
        if c.status == Status::NotMet && c.pages.len() < clients {
            c.status = Status::Partly;
        }
        if !c.pages.is_empty() {
            c.detail = format!("{} of {clients} pages for clients read above grade 8", c.pages.len());
        }
    }

    let allowed = &cfg.privacy.allow_origins;
    criteria.push(Criterion {
        id: "privacy",
        name: "Privacy",
        status: if allowed.is_empty() { Status::Met } else { Status::Partly },
        detail: if allowed.is_empty() {
            "no cookies, analytics or requests to other sites (the build fails on any), and a privacy page".into()
        } else {
            format!("pages may load from other sites: {}", allowed.join(", "))
        },
        pages: vec![],
    });

    criteria.push(Criterion {
        id: "editorial-policy",
        name: "Published editorial policy",
        status: Status::Met,
        detail: format!(
            "{} says how pages are written, reviewed, sourced and corrected",
            site.url("about/editorial-policy/")
        ),
        pages: vec![],
    });

    let needs_a_person = match standard {
        Standard::Nhs => vec![
            "Whether the content meets users' needs, found by research with the people it is for",
            "Readability and comprehension tested with real readers",
            "Clinical accuracy: a qualified reviewer's judgement, which Haven records but cannot make",
            "Accessibility beyond what tests/browser checks (axe, keyboard, layout) find: testing with disabled users",
        ],
        Standard::Pif => vec![
            "Involving users in planning, writing and testing the information",
            "Training for the people who produce it",
            "Measuring the information's use and impact",
            "Clinical accuracy: a qualified reviewer's judgement, which Haven records but cannot make",
            "Accessibility beyond what tests/browser checks (axe, keyboard, layout) find",
        ],
    };
    Assessment { standard, title: standard.title(), as_of: today.to_string(), criteria, needs_a_person }
}
