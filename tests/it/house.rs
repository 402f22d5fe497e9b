//! The shape of the house, kept: no source file over 800 lines, and no import circle between the
//! crate's top-level modules (docs/ARCHITECTURE.md draws the floors this checks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut files = Vec::new();
    for d in ["src", "tests", "benches"] {
        rust_files(&root().join(d), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.strip_prefix(root()).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "split these along their seams: {long:?}");
}

/// The top-level module a file of src/ belongs to (`src/daemon/sources.rs` → `daemon`).
fn module_of(f: &Path) -> String {
    let rel = f.strip_prefix(root().join("src")).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// `crate::x` paths a file uses outside its tests, `use crate::{x, y::z}` included.
fn uses(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let name = ident(part.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

/// Top-level module → the top-level modules it uses.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let m = module_of(f);
        if m == "lib" || m == "main" || m.ends_with("_tests") {
            continue;
        }
        let deps = uses(&std::fs::read_to_string(f).unwrap());
        graph.entry(m.clone()).or_default().extend(deps.into_iter().filter(|d| *d != m));
    }
    let names: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| names.contains(d));
    }
    graph
}

#[test]
fn the_top_level_modules_import_each_other_in_no_circle() {
    let graph = module_graph();
    // A depth-first search for a back edge; the first circle found is named.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_string());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(circle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("import circle: {}", circle.join(" -> "));
        }
    }
    // The seam this test was written for: what the hooks and the daemon share sits below both.
    assert!(!graph["hooks"].contains("daemon"), "hooks must not import the daemon");
    assert!(graph["daemon"].contains("server") && graph["hooks"].contains("server"));
}

/// docs/ARCHITECTURE.md's floors table matches the code: every module is on a floor, and each
/// uses only modules on floors below its own.
#[test]
fn the_floors_in_architecture_md_match_the_imports() {
    let graph = module_graph();
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let mut floor_of: BTreeMap<String, u32> = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(floor) = cells.get(1).and_then(|c| c.parse::<u32>().ok()) else { continue };
        for name in cells[2].split('`').skip(1).step_by(2) {
            let m = name.split(['/', '.', ' ']).next().unwrap_or("");
            if graph.contains_key(m) {
                floor_of.entry(m.to_string()).or_insert(floor);
            }
        }
    }
    let missing: Vec<&String> = graph.keys().filter(|m| !floor_of.contains_key(*m)).collect();
    assert!(missing.is_empty(), "modules on no floor of docs/ARCHITECTURE.md: {missing:?}");
    let mut wrong = Vec::new();
    for (m, deps) in &graph {
        for d in deps {
            if floor_of[d] >= floor_of[m] {
                wrong.push(format!("{m} (floor {}) uses {d} (floor {})", floor_of[m], floor_of[d]));
            }
        }
    }
    assert!(wrong.is_empty(), "docs/ARCHITECTURE.md's floors do not match the code: {wrong:#?}");
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let text = "use crate::{a, b::c};\nfn f() { crate::d::g(); }\n#[cfg(test)]\nmod tests { use crate::z; }";
    assert_eq!(uses(text), ["a", "b", "d"].into_iter().map(String::from).collect());
}
