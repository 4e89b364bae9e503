//! The import graph between files: its circles, and its knots (every file of a
//! circle together, so all of it is reported at once).

use std::collections::{BTreeMap, BTreeSet};

/// A module path: `["crate", "server", "fanout"]`; the binary's root is `bin`.
pub(super) type Module = Vec<String>;

/// One circle of `edges`, as the files it passes through, if there is any.
pub(super) fn find_circle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        at: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        done: &mut BTreeSet<Module>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(from) = stack.iter().position(|m| m == at) {
            return Some(stack[from..].to_vec());
        }
        if done.contains(at) {
            return None;
        }
        stack.push(at.clone());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, done, stack) {
                return Some(circle);
            }
        }
        stack.pop();
        done.insert(at.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut done, &mut Vec::new()))
}

/// Every knot of `edges`: a set of two or more files each reachable from every
/// other (a strongly connected component), with the edges that stay inside it.
/// Breaking one circle can leave another in the same knot, so the test lists
/// each knot whole rather than its first circle only.
pub(super) fn knots(
    edges: &BTreeMap<Module, BTreeSet<Module>>,
) -> Vec<BTreeMap<Module, BTreeSet<Module>>> {
    let reach = |from: &Module| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(at) = todo.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&Module, BTreeSet<Module>> =
        edges.keys().map(|m| (m, reach(m))).collect();
    let mut placed = BTreeSet::new();
    let mut out = Vec::new();
    for (module, from_here) in &reachable {
        if placed.contains(*module) || !from_here.contains(*module) {
            continue;
        }
        let members: BTreeSet<Module> = from_here
            .iter()
            .filter(|other| reachable.get(other).is_some_and(|r| r.contains(*module)))
            .cloned()
            .collect();
        let inside: BTreeMap<Module, BTreeSet<Module>> = members
            .iter()
            .map(|m| {
                let targets = edges[m].intersection(&members).cloned().collect();
                (m.clone(), targets)
            })
            .collect();
        placed.extend(members);
        out.push(inside);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circles_and_knots_are_found() {
        let m = |name: &str| vec![name.to_string()];
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        edges.entry(m("a")).or_default().insert(m("b"));
        edges.entry(m("b")).or_default().insert(m("c"));
        assert_eq!(find_circle(&edges), None);
        edges.entry(m("c")).or_default().insert(m("a"));
        assert_eq!(find_circle(&edges).map(|c| c.len()), Some(3));
        // Two separate knots, {a, b, c} and {d, e}, both reported; f hangs off one.
        edges.entry(m("d")).or_default().insert(m("e"));
        edges.entry(m("e")).or_default().insert(m("d"));
        edges.entry(m("e")).or_default().insert(m("f"));
        let found = knots(&edges);
        let sizes: Vec<usize> = found.iter().map(BTreeMap::len).collect();
        assert_eq!(sizes, [3, 2]);
        assert_eq!(found[1][&m("e")], BTreeSet::from([m("d")]));
    }
}
