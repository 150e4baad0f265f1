//! Which exports of a module its importer may read once, where it requires
//! the module, instead of through the exports object at every use (which
//! minified costs `(0,m.name)(…)` a call instead of `n(…)`).
//!
//! A module's [`Scan::stable`](crate::module::Scan::stable) exports (hoisted
//! functions) may always be read once, even in an import cycle. When the
//! importer and the module are in different strongly connected components
//! of the import graph, the module cannot reach the importer, so when its
//! `require` returns, the module and everything it reaches have run to the
//! end: then its [`settled`](crate::module::Scan::settled) exports, which
//! never change after that, may be read once too, and so may the names a
//! barrel passes on (`export { x } from`, `export * from`) from modules where
//! they are settled.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use crate::bundle::Graph;
use crate::module::{ExportNames, Names};
use crate::Scans;

pub struct Readable<'a> {
    graph: &'a Graph,
    scans: &'a Scans,
    /// By module: its strongly connected component.
    component: HashMap<&'a str, usize>,
    /// By module: its settled exports, barrels' included.
    settled: RefCell<HashMap<&'a str, BTreeSet<String>>>,
    /// By module and whether the importer is in another component: what
    /// [`Readable::names`] answers, made once (a module has many importers,
    /// and every module's answers are in its cache key).
    answers: RefCell<HashMap<(&'a str, bool), ExportNames>>,
}

impl<'a> Readable<'a> {
    pub fn new(graph: &'a Graph, scans: &'a Scans) -> Readable<'a> {
        Readable {
            graph,
            scans,
            component: components(graph),
            settled: RefCell::new(HashMap::new()),
            answers: RefCell::new(HashMap::new()),
        }
    }

    /// The exports of `target` that `importer` may read once.
    pub fn names(&self, importer: &str, target: &'a str) -> ExportNames {
        let Some(Ok(scan)) = self.scans.get(target) else {
            return ExportNames::default();
        };
        let apart = match (self.component.get(importer), self.component.get(target)) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        if let Some(names) = self.answers.borrow().get(&(target, apart)) {
            return names.clone();
        }
        let names: ExportNames = if apart {
            let mut names = self.settled(target, &mut Vec::new());
            names.extend(scan.stable.iter().cloned());
            names.into_iter().collect()
        } else {
            scan.stable.iter().cloned().collect()
        };
        self.answers
            .borrow_mut()
            .insert((target, apart), names.clone());
        names
    }

    /// `path`'s exports that never change once it has run.
    fn settled(&self, path: &'a str, visiting: &mut Vec<&'a str>) -> BTreeSet<String> {
        if let Some(names) = self.settled.borrow().get(path) {
            return names.clone();
        }
        let Some(Ok(scan)) = self.scans.get(path) else {
            return BTreeSet::new();
        };
        if visiting.contains(&path) {
            return BTreeSet::new();
        }
        visiting.push(path);
        let links = self.graph.links.get(path);
        let target = |specifier: &str| links.and_then(|l| l.get(specifier)).map(String::as_str);
        let mut names: BTreeSet<String> = scan.settled.iter().cloned().collect();
        for reexport in &scan.reexports {
            let Some(from) = target(&reexport.specifier) else {
                continue;
            };
            let settled = match &reexport.imported {
                // A namespace object is made once.
                None => true,
                Some(name) => self.settled(from, visiting).contains(name),
            };
            if settled {
                names.insert(reexport.exported.clone());
            }
        }
        // `export * from`: a name one star module exports and no other
        // export of the barrel shadows or makes ambiguous; all of them must
        // have known exports.
        let stars: Option<Vec<(&'a str, &Vec<String>)>> = scan
            .imports
            .iter()
            .filter(|i| i.names == Names::Star)
            .map(|i| {
                let from = target(&i.specifier)?;
                let exports = self.scans.get(from)?.as_ref().ok()?.exports.as_ref()?;
                Some((from, exports))
            })
            .collect();
        for (i, (from, _)) in stars.iter().flatten().enumerate() {
            for name in self.settled(from, visiting) {
                let shadowed = name == "default"
                    || scan.own_exports.contains(&name)
                    || stars
                        .iter()
                        .flatten()
                        .enumerate()
                        .any(|(j, (_, exports))| j != i && exports.contains(&name));
                if !shadowed {
                    names.insert(name);
                }
            }
        }
        visiting.pop();
        self.settled.borrow_mut().insert(path, names.clone());
        names
    }
}

/// Tarjan's strongly connected components of the import graph, by module
/// (iterative: a deep graph must not overflow the stack).
fn components(graph: &Graph) -> HashMap<&str, usize> {
    let index_of: HashMap<&str, usize> = graph
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = graph
        .modules
        .iter()
        .map(|m| {
            graph
                .links
                .get(m)
                .into_iter()
                .flat_map(|l| l.values())
                .filter_map(|t| index_of.get(t.as_str()).copied())
                .collect()
        })
        .collect();
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0)];
        while let Some(&(node, edge)) = work.last() {
            if edge == 0 && index[node] == usize::MAX {
                index[node] = next_index;
                low[node] = next_index;
                next_index += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(edge) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    graph
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), component[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        Graph {
            modules: edges.iter().map(|(m, _)| (*m).to_owned()).collect(),
            links: edges
                .iter()
                .map(|(m, targets)| {
                    let links: BTreeMap<String, String> = targets
                        .iter()
                        .map(|t| (format!("./{t}"), (*t).to_owned()))
                        .collect();
                    ((*m).to_owned(), links)
                })
                .collect(),
            css: Vec::new(),
        }
    }

    #[test]
    fn cycles_are_one_component_and_the_rest_apart() {
        // a → b → c → b, c → d
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["b", "d"]), ("d", &[])]);
        let c = components(&g);
        assert_eq!(c["b"], c["c"]);
        assert_ne!(c["a"], c["b"]);
        assert_ne!(c["d"], c["c"]);
        assert_ne!(c["a"], c["d"]);
    }
}
