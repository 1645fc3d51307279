//! `reactive graph`: a charm's handlers and flags as a graph (JSON, DOT or SVG).
//!
//! The graph itself is the composer's (`flag_graph`); this file finds the description
//! (building a charm source first) and draws the SVG with `layout-rs`, in-process: no
//! Graphviz needed. `layout-rs` draws no clusters, so in the SVG each layer has a colour
//! and its name in the handler's label; `--format dot` keeps Graphviz clusters.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use charms_reactive_compose::describe::{describe, has_compiled_dispatch, Description};
use charms_reactive_compose::flag_graph::{graph, to_dot};
use charms_reactive_compose::{build, BuildOptions};

/// The description of a built charm, or of a charm source built first (with the
/// build's default output and progress on stderr).
pub fn description_of(path: &Path) -> anyhow::Result<Description> {
    let built: PathBuf = if has_compiled_dispatch(path) {
        path.to_path_buf()
    } else if path.join("layer.yaml").is_file() {
        let mut opts = BuildOptions::for_layer(path)?;
        opts.progress = |step| eprintln!("{step}");
        build(&opts)?.output
    } else {
        anyhow::bail!(
            "{}: neither a built charm (no compiled dispatch) nor a charm source (no layer.yaml)",
            path.display()
        );
    };
    Ok(describe(&built)?)
}

/// The SVG of a DOT graph, laid out by `layout-rs`.
pub fn svg_of(dot: &str) -> anyhow::Result<String> {
    let mut parser = layout::gv::DotParser::new(dot);
    let ast = parser
        .process()
        .map_err(|e| anyhow::anyhow!("the graph's DOT did not parse: {e}"))?;
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&ast);
    let mut vg = builder.get();
    let mut svg = layout::backends::svg::SVGWriter::new();
    vg.do_it(false, false, false, &mut svg);
    Ok(svg.finalize())
}

/// Runs `reactive graph`.
pub fn run(path: &Path, format: &str, output: Option<&Path>) -> anyhow::Result<()> {
    // Checked before anything is built.
    if !["svg", "dot", "json"].contains(&format) {
        anyhow::bail!("--format {format:?}: expected svg, dot or json");
    }
    let desc = description_of(path)?;
    let g = graph(&desc);
    let text = match format {
        "json" => serde_json::to_string_pretty(&g)? + "\n",
        "dot" => to_dot(&g, true),
        "svg" => svg_of(&to_dot(&g, false))?,
        other => anyhow::bail!("--format {other:?}: expected svg, dot or json"),
    };
    match output {
        Some(file) => {
            std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}
