"""The archive's YAML data files (organisations, publishers) read strictly: a key given twice
in one entry is an error, where YAML keeps the last one silently.

A red team added a second `aliases:` line under an entry of `organisations.yaml`: the first
line's aliases were dropped (`ADEMA` found nothing) while `archive orgs check` said the file
was valid. Article files refuse a field given twice too (`articlefile.py`).
"""

from __future__ import annotations

import yaml


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a mapping that names a key twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, yaml.Node] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base constructor says so
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"'{key}' is given twice (first on line "
                                f"{first.start_mark.line + 1}); keep one", key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def load(text: str) -> object:
    """The data of a YAML text; yaml.YAMLError (with its line) when it is not valid YAML or a
    mapping names a key twice."""
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
