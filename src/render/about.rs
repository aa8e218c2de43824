//! Pages about the site itself, written from its configuration and its
//! content: the people who write and review it (`/people/`), what changed
//! (`/changes/`), the editorial policy and the privacy statement
//! (`/about/…`). A content page at one of these URLs replaces Haven's, and
//! each has its own template a site can override.

use super::*;

/// The URLs of the generated "about" pages (site-relative).
pub const ABOUT: &str = "about/";
pub const EDITORIAL_POLICY: &str = "about/editorial-policy/";
pub const PRIVACY: &str = "about/privacy/";
pub const CHANGES: &str = "changes/";
pub const PEOPLE: &str = "people/";

impl Ctx<'_> {
    /// The person an `author` or `reviewed_by` value names, for templates.
    pub(super) fn person_view(&self, value: &str) -> Option<PersonView> {
        let (id, p) = self.site.person(value)?;
        Some(PersonView {
            id: id.to_string(),
            name: p.name.clone(),
            credentials: p.credentials.clone(),
            role: p.role.clone(),
            registration: p.registration.clone(),
            bio: p.bio.clone(),
            placeholder: p.placeholder,
            url: self.site.url(&format!("{PEOPLE}{id}/")),
        })
    }

    /// Whether Haven writes the page at `path` (no content page has it).
    fn free(&self, path: &str) -> bool {
        !self.site.pages.iter().any(|p| p.path == path) && !self.site.sections.contains_key(path.trim_end_matches('/'))
    }

    /// Every generated page of this module.
    pub(super) fn about_pages(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let mut out = self.people_pages()?;
        out.extend(self.changes_page()?);
        out.extend(self.policy_pages()?);
        Ok(out)
    }

    /// `/people/` and a page per person: who they are and what they wrote and reviewed.
    fn people_pages(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.site;
        if site.config.site.people.is_empty() {
            return Ok(vec![]);
        }
        let mut out = Vec::new();
        let mut everyone = Vec::new();
        for id in site.config.site.people.keys() {
            let Some(person) = self.person_view(id) else { continue };
            let written: Vec<PageRef> =
                site.articles().filter(|p| site.author_of(p) == id.as_str()).map(|p| self.page_ref(p.id)).collect();
            let reviewed: Vec<PageRef> =
                site.articles().filter(|p| site.reviewer_of(p) == id.as_str()).map(|p| self.page_ref(p.id)).collect();
            let path = format!("{PEOPLE}{id}/");
            if self.free(&path) {
                let html = self.render("person.html", &person.name, "", None, |c| {
                    c.insert("person", &person);
                    c.insert("written", &written);
                    c.insert("reviewed", &reviewed);
                })?;
                out.push(OutputFile { path: format!("{path}index.html"), bytes: html.into_bytes() });
            }
            everyone
                .push(serde_json::json!({ "person": person, "written": written.len(), "reviewed": reviewed.len() }));
        }
        if self.free(PEOPLE) {
            let html = self.render("people.html", "People", "", None, |c| c.insert("people", &everyone))?;
            out.push(OutputFile { path: format!("{PEOPLE}index.html"), bytes: html.into_bytes() });
        }
        Ok(out)
    }

    /// `/changes/`: every article's change history, newest first.
    fn changes_page(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.site;
        let changes = site.changes();
        if changes.is_empty() || !self.free(CHANGES) {
            return Ok(vec![]);
        }
        let rows: Vec<serde_json::Value> = changes
            .iter()
            .map(|(p, c)| {
                serde_json::json!({
                    "date": c.date.to_string(), "date_human": c.date.human(), "summary": c.summary,
                    "title": p.meta.title, "url": site.url(&p.path),
                })
            })
            .collect();
        let feed = site.url(&format!("{CHANGES}atom.xml"));
        let html = self.render("changes.html", "Recent changes", "", None, |c| {
            c.insert("changes", &rows);
            c.insert("feed_url", &feed);
        })?;
        Ok(vec![OutputFile { path: format!("{CHANGES}index.html"), bytes: html.into_bytes() }])
    }

    /// `/about/`, `/about/editorial-policy/` and `/about/privacy/`.
    fn policy_pages(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.site;
        let cfg = &site.config.site;
        let mut out = Vec::new();
        let has_changes = !site.changes().is_empty();
        // People who review at least one article, with their credentials.
        let reviewers: Vec<PersonView> = cfg
            .people
            .keys()
            .filter(|id| site.articles().any(|p| site.reviewer_of(p) == id.as_str()))
            .filter_map(|id| self.person_view(id))
            .collect();
        let kinds: Vec<serde_json::Value> = site
            .cited_kinds()
            .into_iter()
            .map(|(k, n)| serde_json::json!({ "label": k.label(), "count": n, "url": site.url(&format!("sources/{}/", k.slug())) }))
            .collect();
        let feedback = if !cfg.feedback.email.is_empty() {
            Some(format!("mailto:{}", cfg.feedback.email))
        } else if !cfg.feedback.url.is_empty() {
            Some(cfg.feedback.url.replace("{url}", "").replace("{title}", ""))
        } else {
            None
        };
        let policy = serde_json::json!({
            "review_interval_months": cfg.defaults.review_interval_months,
            "overdue_notice": cfg.check.overdue_notice,
            "reviewers": reviewers,
            "default_reviewer": site.display_name(cfg.defaults.reviewed_by.trim()),
            "kinds": kinds,
            "sources_cited": site.cited_order.len(),
            "sources_url": site.url("sources/"),
            "feedback_url": feedback,
            "contact": cfg.practice.contact,
            "disclosure": cfg.disclosure,
            "changes_url": has_changes.then(|| site.url(CHANGES)),
            "people_url": (!cfg.people.is_empty()).then(|| site.url(PEOPLE)),
            "glossary_url": site.sections.contains_key("glossary").then(|| site.url(&html::glossary_path(site))),
        });
        if self.free(EDITORIAL_POLICY) {
            let html =
                self.render("editorial-policy.html", "Editorial policy", "", None, |c| c.insert("policy", &policy))?;
            out.push(OutputFile { path: format!("{EDITORIAL_POLICY}index.html"), bytes: html.into_bytes() });
        }
        let privacy = serde_json::json!({
            "allow_origins": cfg.privacy.allow_origins,
            "hosting": cfg.hosting,
            "search": cfg.search.enabled,
            "feedback_email": cfg.feedback.email,
            "feedback_url": cfg.feedback.url,
            "contact": cfg.practice.contact,
            "practice": cfg.practice.name,
        });
        if self.free(PRIVACY) {
            let html = self.render("privacy.html", "Privacy", "", None, |c| c.insert("privacy", &privacy))?;
            out.push(OutputFile { path: format!("{PRIVACY}index.html"), bytes: html.into_bytes() });
        }
        if self.free(ABOUT) {
            let links = serde_json::json!({
                "policy": site.url(EDITORIAL_POLICY),
                "privacy": site.url(PRIVACY),
                "people": (!cfg.people.is_empty()).then(|| site.url(PEOPLE)),
                "changes": has_changes.then(|| site.url(CHANGES)),
                "sources": (!site.cited_order.is_empty()).then(|| site.url("sources/")),
            });
            let html = self.render("about.html", "About this site", "", None, |c| c.insert("about", &links))?;
            out.push(OutputFile { path: format!("{ABOUT}index.html"), bytes: html.into_bytes() });
        }
        Ok(out)
    }
}
