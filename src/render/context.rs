//! [`Ctx`]: the template context of each kind of page, from the site.

use super::*;
use crate::evidence::Kind;
use crate::site::Taxonomy;
use std::collections::HashMap;

pub(super) struct Ctx<'a> {
    pub(super) site: &'a Site,
    pub(super) theme: &'a Theme,
    pub(super) assets: Assets,
    /// Bibliography key → index into `Site::sources`, built once for all pages.
    pub(super) source_index: html::SourceIndex<'a>,
    /// Each page's place in the list of each section and each series that
    /// lists it (by the list's key), found once: a search per page was
    /// quadratic in a large section.
    pub(super) section_pos: HashMap<(&'a str, PageId), usize>,
    pub(super) series_pos: HashMap<(&'a str, PageId), usize>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(site: &'a Site, theme: &'a Theme, assets: Assets) -> Ctx<'a> {
        let source_index = site.sources.iter().enumerate().map(|(i, s)| (s.key.as_str(), i)).collect();
        // The first place, as a search from the start finds it.
        let places = |lists: &mut dyn Iterator<Item = (&'a String, &'a Vec<PageId>)>| {
            let mut pos = HashMap::new();
            for (key, list) in lists {
                for (i, &id) in list.iter().enumerate() {
                    pos.entry((key.as_str(), id)).or_insert(i);
                }
            }
            pos
        };
        let section_pos = places(&mut site.sections.iter().map(|(k, s)| (k, &s.pages)));
        let series_pos = places(&mut site.series.iter());
        Ctx { site, theme, assets, source_index, section_pos, series_pos }
    }
}

impl Ctx<'_> {
    pub(super) fn page_ref(&self, id: PageId) -> PageRef {
        let p = &self.site.pages[id];
        PageRef {
            title: p.meta.title.clone(),
            url: self.site.url(&p.path),
            description: p.meta.description.clone(),
            date: p.meta.date.map(|d| d.to_string()),
            date_human: p.meta.date.map(|d| d.human()),
            month: p.meta.date.map(|d| format!("{} {}", d.month_name(), d.year)),
        }
    }

    pub(super) fn nav(&self, current: &str) -> Vec<NavItem> {
        let Some(root) = self.site.sections.get("") else { return vec![] };
        root.subsections
            .iter()
            .filter_map(|k| self.site.sections.get(k))
            .map(|s| NavItem {
                title: s.title.clone(),
                url: self.site.url(&dir(&s.key)),
                current: current == s.key || current.starts_with(&format!("{}/", s.key)),
            })
            .collect()
    }

    /// Render `template` with the common context plus `fill`'s additions.
    pub(super) fn render(
        &self,
        template: &str,
        title: &str,
        section: &str,
        page: Option<&Page>,
        fill: impl FnOnce(&mut tera::Context),
    ) -> Result<String, Diagnostic> {
        let cfg = &self.site.config;
        let mut c = tera::Context::new();
        c.insert(
            "site",
            &SiteView {
                title: &cfg.site.title,
                description: &cfg.site.description,
                language: &cfg.site.language,
                base_path: &cfg.base_path,
                notice: &cfg.site.notice,
                disclaimer: &cfg.site.disclaimer,
                practice: &cfg.site.practice,
                disclosure: &cfg.site.disclosure,
                search: cfg.site.search.enabled,
                home_url: self.site.url(""),
                search_url: self.site.url("search/"),
                sources_url: self.site.url("sources/"),
                about_url: self.site.url(about::ABOUT),
                policy_url: self.site.url(about::EDITORIAL_POLICY),
                privacy_url: self.site.url(about::PRIVACY),
                people_url: self.site.url(about::PEOPLE),
                tags_url: self.site.url(&Taxonomy::Tags.index_path()),
                feed_url: self.site.url("atom.xml"),
                favicon_url: match cfg.site.theme.favicon.as_str() {
                    "" => self.site.url("favicon.svg"),
                    own => self.site.url(own),
                },
                favicon_type: icon_type(&cfg.site.theme.favicon),
                logo_url: (!cfg.site.theme.logo.is_empty()).then(|| self.site.url(&cfg.site.theme.logo)),
            },
        );
        c.insert("assets", &self.assets);
        let mut scripts = vec![self.assets.js.clone()];
        scripts.extend(self.assets.search_js.clone());
        if let Some(script) = &cfg.live_reload {
            scripts.push(self.site.url(script));
        }
        c.insert("scripts", &scripts);
        c.insert("nav", &self.nav(section));
        c.insert("page_title", title);
        c.insert("canonical", &page.and_then(|p| self.site.absolute_url(&p.path)));
        // A search started from a page for one audience ranks that
        // audience's pages higher (`prefer`), hiding none.
        c.insert("search_prefer", &page.and_then(|p| p.meta.audience.first()));
        fill(&mut c);
        self.theme.tera.render(template, &c).map_err(|e| {
            let d = Diagnostic::error(format!("template `{template}` failed: {}", tera_chain(&e)));
            match page {
                Some(p) => d
                    .in_file(&p.file)
                    .help(format!("while rendering this page with `{template}`; fix the template in templates/")),
                None => d.help(format!("while rendering `{title}`")),
            }
        })
    }

    /// `p`'s page; `text` is its body.
    pub(super) fn article(&self, p: &Page, text: html::Body<'_>) -> Result<OutputFile, Diagnostic> {
        let site = self.site;
        let body = html::body(site, p, text, &self.source_index, html::RefTarget::OnPage);
        // Each source's citations on the page (numbered from 1), in one pass.
        let mut cites_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, g) in p.cites.iter().enumerate() {
            for it in &g.items {
                let list = cites_of.entry(it.key.as_str()).or_default();
                if list.last() != Some(&(i + 1)) {
                    list.push(i + 1);
                }
            }
        }
        let references = p
            .cited_keys
            .iter()
            .filter_map(|k| self.source_index.get(k.as_str()).map(|&i| &site.sources[i]))
            .map(|s| {
                let cites = cites_of.get(s.key.as_str()).map_or(&[][..], Vec::as_slice);
                RefView {
                    key: s.key.clone(),
                    html: s.html.clone(),
                    evidence: html::evidence_badge(s),
                    backrefs: cites
                        .iter()
                        .enumerate()
                        .map(|(n, &c)| BackrefView { cite: c, label: backref_label(n) })
                        .collect(),
                }
            })
            .collect();
        let next_review = p.next_review(site.config.site.defaults.review_interval_months);
        let view = PageView {
            title: p.meta.title.clone(),
            description: p.meta.description.clone(),
            body,
            date: p.meta.date.map(|d| d.to_string()),
            date_human: p.meta.date.map(|d| d.human()),
            author: site.display_name(site.author_of(p)).to_string(),
            reviewed_by: site.display_name(site.reviewer_of(p)).to_string(),
            author_person: self.person_view(site.author_of(p)),
            reviewer_person: self.person_view(site.reviewer_of(p)),
            key_points: p.meta.key_points.clone(),
            print_url: site.absolute_url(&p.path),
            print_qr: site.absolute_url(&p.path).and_then(|u| qr::svg(&u)),
            last_changed: p.last_changed().map(|d| d.to_string()),
            last_changed_human: p.last_changed().map(|d| d.human()),
            changes: p
                .meta
                .changes
                .iter()
                .map(|c| ChangeView {
                    date: c.date.to_string(),
                    date_human: c.date.human(),
                    summary: c.summary.clone(),
                })
                .collect(),
            last_reviewed: p.meta.last_reviewed.map(|d| d.to_string()),
            last_reviewed_human: p.meta.last_reviewed.map(|d| d.human()),
            next_review: next_review.map(|d| d.to_string()),
            next_review_human: next_review.map(|d| d.human()),
            review_overdue: site.config.site.check.overdue_notice && next_review.is_some_and(|d| d < site.config.today),
            report_url: report_url(site, p),
            json_ld: json_ld(site, p, &self.source_index),
            disclosure: p.meta.disclosure.clone(),
            reading_minutes: p.reading_minutes(),
            audience: p.meta.audience.clone(),
            tags: p
                .meta
                .tags
                .iter()
                .map(|t| TagView { name: t.clone(), url: site.url(&Taxonomy::Tags.term_path_of(t)) })
                .collect(),
            references,
            backlinks: p
                .backlinks
                .iter()
                .filter(|b| !site.pages[b.from].is_glossary_term())
                .map(|b| {
                    let f = &site.pages[b.from];
                    BacklinkView { title: f.meta.title.clone(), url: site.url(&f.path), context: b.context.clone() }
                })
                .collect(),
            related: p.related.iter().map(|&r| self.page_ref(r)).collect(),
        };
        let section = site
            .sections
            .get(&p.section)
            .filter(|s| !s.key.is_empty())
            .map(|s| SectionRef { title: s.title.clone(), url: site.url(&dir(&s.key)) });
        let series_nav = p.meta.series.as_ref().and_then(|name| {
            let list = site.series.get(name)?;
            let pos = *self.series_pos.get(&(name.as_str(), p.id))?;
            // Lists are newest first: "previous" is older (pos + 1).
            Some(Neighbours {
                name: name.clone(),
                prev: list.get(pos + 1).map(|&x| self.page_ref(x)),
                next: pos.checked_sub(1).and_then(|i| list.get(i)).map(|&x| self.page_ref(x)),
            })
        });
        let path = p.path_step.map(|(pi, step)| {
            let rp = &site.reading_paths[pi];
            PathView {
                print_url: site.url(&packet::packet_path(&rp.section)),
                title: rp.title.clone(),
                step: step + 1,
                total: rp.pages.len(),
                prev: step.checked_sub(1).map(|i| self.page_ref(rp.pages[i])),
                next: rp.pages.get(step + 1).map(|&x| self.page_ref(x)),
            }
        });
        let section_nav = self.section_nav(p, series_nav.is_some() || path.is_some());
        let html = self.render("page.html", &p.meta.title, &p.section, Some(p), |c| {
            c.insert("page", &view);
            c.insert("section_nav", &section_nav);
            c.insert("section", &section);
            c.insert("series_nav", &series_nav);
            c.insert("path", &path);
        })?;
        Ok(OutputFile { path: format!("{}index.html", p.path), bytes: html.into_bytes() })
    }

    /// Previous and next in the section's listing order, for an article in a
    /// section (not the root) that is on no series or reading path (`on_trail`):
    /// those have their own previous and next.
    fn section_nav(&self, p: &Page, on_trail: bool) -> Option<Neighbours> {
        let site = self.site;
        if on_trail || p.is_section || p.is_glossary_term() || p.section.is_empty() {
            return None;
        }
        let s = site.sections.get(&p.section)?;
        let pos = *self.section_pos.get(&(p.section.as_str(), p.id))?;
        let prev = pos.checked_sub(1).map(|i| self.page_ref(s.pages[i]));
        let next = s.pages.get(pos + 1).map(|&x| self.page_ref(x));
        (prev.is_some() || next.is_some()).then(|| Neighbours { name: s.title.clone(), prev, next })
    }

    /// The glossary's terms, grouped by first letter, for `glossary.html`.
    pub(super) fn glossary_letters(&self) -> Vec<serde_json::Value> {
        let site = self.site;
        let mut terms: Vec<&Page> = site.pages.iter().filter(|t| t.is_glossary_term()).collect();
        terms.sort_by_key(|t| t.meta.title.to_lowercase());
        let mut groups: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        for t in terms {
            let letter = t.meta.title.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
            groups.entry(letter).or_default().push(serde_json::json!({
                "slug": t.slug, "title": t.meta.title, "synonyms": t.meta.synonyms,
                "description": t.meta.description, "body": html::body(site, t, html::Body::of(t), &self.source_index, html::RefTarget::SourcesPage),
            }));
        }
        groups.into_iter().map(|(letter, terms)| serde_json::json!({ "letter": letter, "terms": terms })).collect()
    }

    /// The view of section `key`; `index` is its `_index.md` page, with its body.
    pub(super) fn section_view(&self, key: &str, index: Option<(&Page, html::Body<'_>)>) -> serde_json::Value {
        let site = self.site;
        let s = &site.sections[key];
        let subsections: Vec<serde_json::Value> = s
            .subsections
            .iter()
            .filter_map(|k| site.sections.get(k))
            .map(|sub| {
                let desc = sub.index.map(|i| site.pages[i].meta.description.clone()).unwrap_or_default();
                serde_json::json!({ "title": sub.title, "url": site.url(&dir(&sub.key)), "description": desc })
            })
            .collect();
        let path = site.reading_paths.iter().find(|rp| rp.section == key).map(|rp| {
            serde_json::json!({
                "title": rp.title,
                "pages": rp.pages.iter().map(|&i| self.page_ref(i)).collect::<Vec<_>>(),
                "print_url": site.url(&packet::packet_path(&rp.section)),
            })
        });
        serde_json::json!({
            "title": s.title,
            "description": index.map(|(p, _)| p.meta.description.clone()).unwrap_or_default(),
            "body": index
                .map(|(p, text)| html::body(site, p, text, &self.source_index, html::RefTarget::SourcesPage))
                .unwrap_or_default(),
            "path": if key.is_empty() { None } else { Some(dir(key)) },
            "subsections": subsections,
            "pages": s.pages.iter().map(|&i| self.page_ref(i)).collect::<Vec<_>>(),
            "reading_path": path,
        })
        .as_object()
        .map(|o| {
            let mut o = o.clone();
            o.insert("path".into(), o.get("reading_path").cloned().unwrap_or(serde_json::Value::Null));
            serde_json::Value::Object(o)
        })
        .unwrap_or_default()
    }

    /// The home page (`index.html`): the site's purpose, search, where to
    /// start by audience and reading path, the newest series topics, the
    /// sections as cards; `index` is `content/_index.md` when there is one.
    pub(super) fn home(&self, view: &serde_json::Value, index: Option<&Page>) -> Result<String, Diagnostic> {
        let site = self.site;
        let featured: Vec<serde_json::Value> = site
            .series
            .iter()
            .filter_map(|(name, list)| {
                let newest = *list.first()?;
                let sec = &site.pages[newest].section;
                Some(serde_json::json!({
                    "heading": format!("Latest in {}", site.sections.get(sec).map_or(name.as_str(), |s| s.title.as_str())),
                    "page": self.page_ref(newest),
                    "archive_url": site.url(&dir(sec)),
                }))
            })
            .collect();
        // Entry points by audience (the audience pages), and where to start reading.
        let audiences: Vec<serde_json::Value> = site
            .audiences
            .iter()
            .zip(self.term_names(Taxonomy::Audience))
            .map(|((key, pages), name)| {
                let articles = pages.iter().filter(|&&i| !site.pages[i].is_glossary_term()).count();
                serde_json::json!({
                    "name": name,
                    "label": audience_label(&name),
                    "url": site.url(&Taxonomy::Audience.term_path(key)),
                    "count": articles,
                })
            })
            .filter(|a| a["count"].as_u64().unwrap_or(0) > 0)
            .collect();
        let start: Vec<serde_json::Value> = site
            .reading_paths
            .iter()
            .filter_map(|rp| {
                let first = *rp.pages.first()?;
                Some(serde_json::json!({ "title": rp.title, "steps": rp.pages.len(), "first": self.page_ref(first) }))
            })
            .collect();
        self.render("index.html", &site.config.site.title, "", index, |c| {
            c.insert("section", &view);
            c.insert("featured", &featured);
            c.insert("audiences", &audiences);
            c.insert("start", &start);
        })
    }

    /// The listing of `p`'s section (`p` is its `_index.md`); `text` is `p`'s body.
    pub(super) fn section_page(&self, p: &Page, text: html::Body<'_>) -> Result<OutputFile, Diagnostic> {
        let site = self.site;
        let key = p.section.as_str();
        let view = self.section_view(key, Some((p, text)));
        let out = format!("{}index.html", dir(key));
        let html = if key.is_empty() {
            self.home(&view, Some(p))?
        } else if key == "glossary" {
            let letters = self.glossary_letters();
            self.render("glossary.html", &p.meta.title, key, Some(p), |c| {
                c.insert("section", &view);
                c.insert("letters", &letters);
            })?
        } else if let Some((name, list)) = self.series_of_section(key) {
            let mut years: BTreeMap<i32, Vec<PageRef>> = BTreeMap::new();
            for &id in list {
                if let Some(d) = site.pages[id].meta.date {
                    years.entry(d.year).or_default().push(self.page_ref(id));
                }
            }
            let years: Vec<serde_json::Value> =
                years.into_iter().rev().map(|(y, pages)| serde_json::json!({ "year": y, "pages": pages })).collect();
            let series = serde_json::json!({
                "name": name,
                "latest": list.first().map(|&i| self.page_ref(i)),
                "years": years,
                "feed_url": site.url(&format!("{}atom.xml", dir(key))),
            });
            self.render("series.html", &p.meta.title, key, Some(p), |c| {
                c.insert("section", &view);
                c.insert("series", &series);
            })?
        } else {
            self.render("section.html", &p.meta.title, key, Some(p), |c| c.insert("section", &view))?
        };
        Ok(OutputFile { path: out, bytes: html.into_bytes() })
    }

    /// The series whose pages all live in section `key`, if any.
    pub(super) fn series_of_section(&self, key: &str) -> Option<(&String, &Vec<PageId>)> {
        self.site
            .series
            .iter()
            .find(|(_, list)| !list.is_empty() && list.iter().all(|&i| self.site.pages[i].section == key))
    }

    /// Each term of `tax` (in [`Taxonomy::terms`] order), by the name it
    /// is shown with: its first spelling on the first of its pages that has
    /// one. A page's spellings are read once (a page with thousands of tags
    /// made this quadratic).
    fn term_names(&self, tax: Taxonomy) -> Vec<String> {
        let site = self.site;
        let mut spellings: HashMap<PageId, HashMap<String, &String>> = HashMap::new();
        tax.terms(site)
            .iter()
            .map(|(key, pages)| {
                pages
                    .iter()
                    .find_map(|&p| {
                        let of_page = spellings.entry(p).or_insert_with(|| {
                            let mut m = HashMap::new();
                            for t in tax.of(&site.pages[p].meta) {
                                m.entry(crate::site::slugify(t)).or_insert(t);
                            }
                            m
                        });
                        of_page.get(key).map(|t| (*t).clone())
                    })
                    .unwrap_or_else(|| key.clone())
            })
            .collect()
    }

    pub(super) fn taxonomies(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.site;
        let mut out = Vec::new();
        for tax in Taxonomy::ALL {
            let (title, map) = (if tax == Taxonomy::Tags { "Topics" } else { "Audiences" }, tax.terms(site));
            if map.is_empty() {
                continue;
            }
            let names = self.term_names(tax);
            let terms: Vec<serde_json::Value> = map
                .iter()
                .zip(&names)
                .map(|((k, pages), name)| serde_json::json!({ "name": name, "url": site.url(&tax.term_path(k)), "count": pages.len() }))
                .collect();
            let html = self.render("taxonomy.html", title, "", None, |c| {
                c.insert("taxonomy", &serde_json::json!({ "title": title, "terms": terms }));
            })?;
            out.push(OutputFile { path: format!("{}index.html", tax.index_path()), bytes: html.into_bytes() });
            for ((k, pages), name) in map.iter().zip(names) {
                let heading = if tax == Taxonomy::Tags { format!("Topic: {name}") } else { format!("For {name}") };
                let term = serde_json::json!({
                    "title": heading,
                    "taxonomy_title": title,
                    "taxonomy_url": site.url(&tax.index_path()),
                    "pages": pages.iter().map(|&i| self.page_ref(i)).collect::<Vec<_>>(),
                });
                let html = self.render("taxonomy_term.html", &heading, "", None, |c| c.insert("term", &term))?;
                out.push(OutputFile { path: format!("{}index.html", tax.term_path(k)), bytes: html.into_bytes() });
            }
        }
        Ok(out)
    }

    /// `sources/index.html`, every cited source with the claims resting on
    /// it, and `sources/<kind>/index.html` for each kind of evidence cited:
    /// the filter works as plain links, with scripts off.
    pub(super) fn sources_page(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.site;
        if site.cited_order.is_empty() {
            return Ok(vec![]);
        }
        let source = |i: usize| -> serde_json::Value {
            let s = &site.sources[i];
            let claims: Vec<serde_json::Value> = s
                .cited_by
                .iter()
                .map(|&(pid, claim)| {
                    let p = &site.pages[pid];
                    let c = &p.claims[claim];
                    let url = if p.is_glossary_term() {
                        format!("{}#{}", site.url(&html::glossary_path(site)), p.slug)
                    } else {
                        format!("{}#{}", site.url(&p.path), c.id)
                    };
                    serde_json::json!({ "text": c.text, "page_title": p.meta.title, "url": url })
                })
                .collect();
            serde_json::json!({
                "key": s.key,
                "html": s.html,
                "evidence": html::evidence_badge(s),
                "claims": claims,
            })
        };
        let kinds = site.cited_kinds();
        let filters = |current: Option<Kind>| -> Vec<serde_json::Value> {
            let all = serde_json::json!({
                "label": "All", "count": site.cited_order.len(), "url": site.url("sources/"), "current": current.is_none(),
            });
            std::iter::once(all)
                .chain(kinds.iter().map(|&(k, n)| {
                    serde_json::json!({
                        "label": k.plural(), "count": n, "url": site.url(&format!("sources/{}/", k.slug())),
                        "current": current == Some(k),
                    })
                }))
                .collect()
        };
        let mut out = Vec::new();
        let pages = std::iter::once(None).chain(kinds.iter().map(|&(k, _)| Some(k)));
        for kind in pages {
            let shown: Vec<serde_json::Value> = site
                .cited_order
                .iter()
                .filter(|&&i| kind.is_none() || site.sources[i].evidence.kind == kind)
                .map(|&i| source(i))
                .collect();
            let title = match kind {
                None => "Sources".to_string(),
                Some(k) => format!("Sources: {}", k.plural().to_lowercase()),
            };
            let html = self.render("sources.html", &title, "", None, |c| {
                c.insert("sources", &shown);
                c.insert("filters", &filters(kind));
                c.insert("filter", &kind.map(Kind::plural));
            })?;
            let path = match kind {
                None => "sources/index.html".to_string(),
                Some(k) => format!("sources/{}/index.html", k.slug()),
            };
            out.push(OutputFile { path, bytes: html.into_bytes() });
        }
        Ok(out)
    }

    pub(super) fn not_found(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let html = self.render("404.html", "Page not found", "", None, |_| {})?;
        Ok(vec![OutputFile { path: "404.html".into(), bytes: html.into_bytes() }])
    }

    /// `search/index.html`: the full search page (results, filters); the
    /// header form submits to it, so search has a URL without JavaScript.
    pub(super) fn search_page(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        if !self.site.config.site.search.enabled {
            return Ok(vec![]);
        }
        let html = self.render("search.html", "Search", "", None, |_| {})?;
        Ok(vec![OutputFile { path: "search/index.html".into(), bytes: html.into_bytes() }])
    }

    pub(super) fn redirects(&self) -> Result<Vec<OutputFile>, Diagnostic> {
        let mut out = Vec::new();
        for (from, to) in &self.site.aliases {
            let target = self.page_ref(*to);
            let html = self.render("redirect.html", &target.title, "", None, |c| c.insert("target", &target))?;
            out.push(OutputFile { path: format!("{}index.html", dir(from)), bytes: html.into_bytes() });
        }
        Ok(out)
    }
}

/// a, b, … z, aa, ab …
pub(super) fn backref_label(n: usize) -> String {
    let mut n = n;
    let mut s = String::new();
    loop {
        s.insert(0, (b'a' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s
}

/// Where a reader reports a problem with `p`: an e-mail with the page's
/// title and address filled in, or the site's form with `{url}` and
/// `{title}` replaced (both percent-encoded).
fn report_url(site: &Site, p: &crate::site::Page) -> Option<String> {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let feedback = &site.config.site.feedback;
    let address = site.absolute_url(&p.path).unwrap_or_else(|| format!("/{}", p.path));
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    if !feedback.url.is_empty() {
        Some(feedback.url.replace("{url}", &enc(&address)).replace("{title}", &enc(&p.meta.title)))
    } else if !feedback.email.is_empty() {
        let subject = format!("Problem with the page \"{}\"", p.meta.title);
        let body = format!("Page: {address}\n\nWhat is wrong or unclear:\n");
        Some(format!("mailto:{}?subject={}&body={}", feedback.email, enc(&subject), enc(&body)))
    } else {
        None
    }
}

/// The article as schema.org JSON-LD (`MedicalWebPage`): headline,
/// description, author, reviewer, review and publication dates, audience,
/// publisher, and the works it cites (with their DOIs). Escaped so that it
/// cannot end its `<script type="application/ld+json">` block (a data block,
/// which a strict CSP does not execute).
fn json_ld(site: &Site, p: &crate::site::Page, source_index: &html::SourceIndex<'_>) -> String {
    use serde_json::{json, Map, Value};
    let cfg = &site.config.site;
    let author = site.author_of(p);
    let reviewer = site.reviewer_of(p);
    let agent = |value: &str| {
        if let Some((id, person)) = site.person(value) {
            let mut o = Map::new();
            o.insert("@type".into(), json!("Person"));
            o.insert("name".into(), json!(person.name));
            if !person.credentials.is_empty() {
                o.insert("hasCredential".into(), json!(person.credentials));
            }
            if !person.role.is_empty() {
                o.insert("jobTitle".into(), json!(person.role));
            }
            if let Some(url) = site.absolute_url(&format!("people/{id}/")) {
                o.insert("url".into(), json!(url));
            }
            if !person.registration.is_empty() {
                o.insert("sameAs".into(), json!(person.registration));
            }
            return Value::Object(o);
        }
        let kind = if !cfg.practice.name.is_empty() && value == cfg.practice.name { "Organization" } else { "Person" };
        json!({ "@type": kind, "name": value })
    };
    let mut ld = Map::new();
    ld.insert("@context".into(), json!("https://schema.org"));
    ld.insert("@type".into(), json!("MedicalWebPage"));
    ld.insert("headline".into(), json!(p.meta.title));
    if !p.meta.description.is_empty() {
        ld.insert("description".into(), json!(p.meta.description));
    }
    if let Some(url) = site.absolute_url(&p.path) {
        ld.insert("url".into(), json!(url));
    }
    ld.insert("inLanguage".into(), json!(cfg.language));
    if !author.is_empty() {
        ld.insert("author".into(), agent(author));
    }
    if !reviewer.is_empty() {
        ld.insert("reviewedBy".into(), agent(reviewer));
    }
    if let Some(d) = p.meta.last_reviewed {
        ld.insert("lastReviewed".into(), json!(d.to_string()));
    }
    if let Some(d) = p.meta.date {
        ld.insert("datePublished".into(), json!(d.to_string()));
    }
    if let Some(d) = p.last_changed() {
        ld.insert("dateModified".into(), json!(d.to_string()));
    }
    if !p.meta.audience.is_empty() {
        let audiences: Vec<Value> =
            p.meta.audience.iter().map(|a| json!({ "@type": "Audience", "audienceType": a })).collect();
        ld.insert("audience".into(), json!(audiences));
    }
    if !cfg.practice.name.is_empty() {
        ld.insert("publisher".into(), json!({ "@type": "Organization", "name": cfg.practice.name }));
    }
    let cited: Vec<Value> = p
        .cited_keys
        .iter()
        .filter_map(|k| source_index.get(k.as_str()).map(|&i| &site.sources[i]))
        .map(|s| {
            let field = |name: &str| s.entry.0.get(name).and_then(|v| v.to_str()).map(|v| v.into_owned());
            let mut work = Map::new();
            work.insert("@type".into(), json!("CreativeWork"));
            if let Some(title) = field("title") {
                work.insert("name".into(), json!(title));
            }
            if let Some(doi) = field("DOI") {
                work.insert("sameAs".into(), json!(format!("https://doi.org/{}", doi.trim())));
            }
            Value::Object(work)
        })
        .collect();
    if !cited.is_empty() {
        ld.insert("citation".into(), json!(cited));
    }
    // `</script>` or `<!--` inside a string would end or confuse the block:
    // `<`, `>` and `&` only occur in strings, where JSON may escape them.
    Value::Object(ld).to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// The MIME type of a site's own icon (`[theme] favicon`), by its extension.
fn icon_type(file: &str) -> &'static str {
    match file.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "image/svg+xml",
    }
}

/// How the home page names an audience's entry point.
fn audience_label(name: &str) -> String {
    match name.to_lowercase().as_str() {
        "clients" => "New to therapy, or in it".into(),
        "clinicians" => "For therapists and counsellors".into(),
        "supervisors" => "For clinical supervisors".into(),
        _ => format!("For {name}"),
    }
}
