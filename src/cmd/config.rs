//! `haven config`: `haven.toml` as Haven reads it, every default filled in,
//! and where the site's folders are.

use crate::cli::{ConfigArgs, Format};
use crate::cmd::Verbosity;
use crate::config::Overrides;

pub fn run(args: ConfigArgs, v: Verbosity) -> u8 {
    let config = match super::load_config(&args.site.root, Overrides::default(), v) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match args.format {
        Format::Json => {
            let out = serde_json::json!({
                "root": config.root,
                "output": config.output,
                "search_index": config.search_index,
                "config": config.site,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            let toml = match toml::to_string_pretty(&config.site) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot print the configuration: {e}");
                    return 2;
                }
            };
            let root = config.root.canonicalize().unwrap_or_else(|_| config.root.clone());
            println!("# haven.toml of {}, with every default filled in.", root.display());
            println!("# Output: {}   Search index: {}\n", config.output.display(), config.search_index.display());
            print!("{toml}");
        }
    }
    0
}
