//! Times the making of the source pages without writing them: building each page's context
//! and rendering it with the default theme, on one thread, so that the CPU cost of a page can
//! be compared between versions without the file system's noise (a whole build spends about
//! as long again in the kernel, creating folders and files).
//!
//! ```sh
//! xcat demo-catalogue --out /tmp/pages/demo.fits --sources 100000
//! cargo build --release -p xcat --example page_bench
//! target/release/examples/page_bench /tmp/pages/demo.fits [PAGES] [observation]
//! ```
//!
//! With `observation`, the observation pages instead.

use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use xcat::catalog::{Catalogue, Quiet};
use xcat::site::pages::Catalog;
use xcat::site::render;
use xcat::site::theme::Theme;

// The allocator of the `xcat` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(fits) = args.next() else {
        anyhow::bail!("usage: page_bench <catalogue.fits> [pages] [observation]");
    };
    let limit: Option<usize> = args.next().map(|n| n.parse()).transpose()?;
    let observations = args.next().is_some_and(|a| a == "observation");
    let cat = Catalogue::load(&xcat::Config::default(), &[PathBuf::from(fits)], &Quiet)?;
    let theme = Theme::load(None)?;
    let tera = render::templates(&theme)?;
    let site = json!({"title": "bench", "base_url": "https://xcat.example.org/",
        "fit_server_url": "", "has_query": true, "default_radius_arcmin": 10.0});
    let catalog = Catalog::new(&cat, site, 1.0, false);
    let (rows, template, what) = if observations {
        (cat.observations.rows(), "observation.html", "observation")
    } else {
        (cat.sources.rows(), "source.html", "source")
    };
    let n = limit.unwrap_or(usize::MAX).min(rows);
    let (mut context, mut rendering) = (Duration::ZERO, Duration::ZERO);
    let mut bytes = 0usize;
    // Twice: the first pass warms the caches and the allocator; the second is reported.
    for pass in 0..2 {
        (context, rendering, bytes) = (Duration::ZERO, Duration::ZERO, 0);
        for i in 0..n {
            let t = Instant::now();
            let (ctx, path) = if observations {
                (
                    render::context(catalog.observation(i)),
                    catalog.observation_path(i),
                )
            } else {
                (catalog.source(i), catalog.source_path(i))
            };
            context += t.elapsed();
            let t = Instant::now();
            let html = render::render_context(&tera, template, &ctx, &path)?;
            rendering += t.elapsed();
            bytes += html.len();
        }
        if pass == 0 {
            eprintln!("warm-up pass done");
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{n} {what} pages: context {:.1} µs/page, rendering {:.1} µs/page, total {:.1} µs/page; {:.0} bytes/page",
        per(context),
        per(rendering),
        per(context + rendering),
        bytes as f64 / n as f64
    );
    Ok(())
}
