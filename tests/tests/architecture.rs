//! The dependency rules of DESIGN.md, checked on the resolved graph (`cargo metadata`):
//! the core, the protocol crate, the CLI and the sandbox never depend on Tauri, however
//! indirectly; the sandbox never depends on the core (it may share only the protocol crate);
//! the core never depends on the sandbox.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use bailiwick_tests::{run_bounded, workspace_root};

struct Graph {
    /// package id -> ids of its normal (non-dev, non-build) dependencies
    edges: HashMap<String, Vec<String>>,
    names: HashMap<String, String>,
}

fn graph() -> Graph {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(["metadata", "--format-version", "1", "--locked"]).current_dir(workspace_root());
    let output = run_bounded(command, std::time::Duration::from_secs(120));
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let names = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap_or_default().to_owned(), p["name"].as_str().unwrap_or_default().to_owned()))
        .collect();
    let edges = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .map(|node| {
            let deps = node["deps"]
                .as_array()
                .map(|deps| {
                    deps.iter()
                        .filter(|d| {
                            d["dep_kinds"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
                        })
                        .filter_map(|d| d["pkg"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (node["id"].as_str().unwrap_or_default().to_owned(), deps)
        })
        .collect();
    Graph { edges, names }
}

impl Graph {
    fn id_of(&self, name: &str) -> String {
        self.names
            .iter()
            .find(|(_, n)| n.as_str() == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no package {name}"))
    }

    /// Names of every package `name` depends on at run time, transitively.
    fn closure(&self, name: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![self.id_of(name)];
        while let Some(id) = stack.pop() {
            for dep in self.edges.get(&id).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen.into_iter().filter_map(|id| self.names.get(&id).cloned()).collect()
    }
}

#[test]
fn only_the_desktop_shell_depends_on_tauri() {
    let graph = graph();
    for crate_name in ["bailiwick-scim", "bailiwick-core", "bailiwick-cli", "bailiwick-sandbox"] {
        let tauri: Vec<_> =
            graph.closure(crate_name).into_iter().filter(|n| n == "tauri" || n.starts_with("tauri-")).collect();
        assert!(tauri.is_empty(), "{crate_name} must not depend on Tauri, but pulls in {tauri:?}");
    }
    assert!(graph.closure("bailiwick-desktop").contains("tauri"), "the check must see Tauri where it is");
}

#[test]
fn dependencies_point_one_way() {
    let graph = graph();
    let sandbox = graph.closure("bailiwick-sandbox");
    assert!(!sandbox.contains("bailiwick-core"), "the sandbox shares only the protocol crate with the app");
    assert!(sandbox.contains("bailiwick-scim"));
    let core = graph.closure("bailiwick-core");
    assert!(!core.contains("bailiwick-sandbox"), "the core never starts the sandbox; hosts do");
    assert!(core.contains("bailiwick-scim"));
    assert!(
        !graph.closure("bailiwick-scim").iter().any(|n| n.starts_with("bailiwick-")),
        "the protocol crate depends on no other part"
    );
}
