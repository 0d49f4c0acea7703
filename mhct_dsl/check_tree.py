"""The checker's decision tree (the booklet's Appendix 2): one tree in a national rule set (a local
one inherits it), unique group and branch names, and every standard cluster in exactly one branch;
then each cluster learns its group and branch."""

from __future__ import annotations

import attrs

from . import model as m
from . import nodes as n
from .check_base import CheckerBase, where


class TreeChecks(CheckerBase):
    """The ``decision_tree`` declaration, and the clusters placed in it."""

    def _tree(self, trees, clusters, local: bool) -> n.DecisionTreeDecl | None:
        if local:
            for tree in trees:
                self.error("misplaced-entry", "a local rule set cannot redefine the decision tree",
                           tree.span)
            return self.base.tree
        if not trees:
            self.error("missing-entry", "no `decision_tree` is declared", None,
                       "declare the booklet's Appendix 2: decision_tree \"...\" { group ... }")
            return None
        for extra in trees[1:]:
            self.error("duplicate-definition", "a second `decision_tree`", extra.span)
        tree = trees[0]
        self._source(tree.source)
        names: dict[str, object] = {}
        placed: dict[int, n.Branch] = {}
        for group in tree.groups:
            self._unique(names, group.name, group, "group")
            self._source(group.source)
            for branch in group.branches:
                self._unique(names, branch.name, branch, "branch")
                self._source(branch.source)
                undeclared = [str(c) for c in branch.clusters if c not in clusters]
                if undeclared:
                    self.error("unknown-cluster", f"branch `{branch.name}` names undeclared "
                               f"cluster(s) {', '.join(undeclared)}", branch.span)
                for number in branch.clusters:
                    if number not in clusters:
                        continue
                    if clusters[number].kind != "standard":
                        self.error("invalid-value", f"cluster {number} is a "
                                   f"{clusters[number].kind} cluster; it has no place in the "
                                   "decision tree", branch.span)
                    elif number in placed:
                        self.error("duplicate-entry", f"cluster {number} is in two branches",
                                   branch.span, f"also in `{placed[number].name}`")
                    placed[number] = branch
        for number, cluster in clusters.items():
            if cluster.kind == "standard" and number not in placed:
                self.error("missing-entry", f"cluster {number} is not in the decision tree",
                           tree.span, f"add it to a branch: clusters ..., {number}")
        return tree

    def _place_in_tree(self, clusters, tree) -> dict[int, m.Cluster]:
        if tree is None:
            return clusters
        where = {number: (group.name, branch.name)
                 for group in tree.groups for branch in group.branches
                 for number in branch.clusters}
        return {
            number: attrs.evolve(cluster, group=where.get(number, (None, None))[0],
                                 branch=where.get(number, (None, None))[1])
            for number, cluster in clusters.items()
        }

    def _unique(self, names: dict, name: str, node, what: str) -> None:
        if name in names:
            self.error("duplicate-definition", f"{what} `{name}` is declared twice", node.span,
                       f"first declared at {where(names[name])}")
        names[name] = node
