"""What a criterion kind may ask about the policy while it compiles: units and labels."""

from __future__ import annotations

from dataclasses import dataclass

from service.policy.model import FieldSpec
from service.rules.facts import FACTS

YES = {"zh": "是", "en": "yes"}
NO = {"zh": "否", "en": "no"}


@dataclass(frozen=True)
class CompileContext:
    denominator: int
    fields: dict[str, FieldSpec]
    facts: dict

    def type_of(self, name: str) -> str | None:
        """The field's type, or 'integer' for counting facts and 'number' for lookups."""
        if name in self.fields:
            return self.fields[name].type
        kind = self.facts.get(name, {}).get("kind")
        return None if kind is None else FACTS[kind].TYPE

    def unit_of(self, name: str) -> str | None:
        if name in self.fields:
            return self.fields[name].unit
        kind = self.facts.get(name, {}).get("kind")
        return None if kind is None else FACTS[kind].UNIT

    def label_of(self, name: str) -> dict:
        if name in self.fields:
            return self.fields[name].label
        fact = self.facts.get(name, {})
        if fact.get("label"):
            return fact["label"]
        if fact.get("source") in self.fields:
            return self.fields[fact["source"]].label
        return {"zh": name, "en": name.replace("_", " ")}

    def value_label(self, name: str, value) -> dict:
        """How a value reads in a rule: an enum's label, or 'label: yes'."""
        spec = self.fields.get(name)
        label = self.label_of(name)
        if spec is not None and spec.type == "enum" and value is not None:
            return spec.values.get(str(value), {"zh": str(value), "en": str(value)})
        if value is True or value is False:
            word = YES if value else NO
            return {"zh": f"{label['zh']}：{word['zh']}", "en": f"{label['en']}: {word['en']}"}
        if value is None:
            return {"zh": f"{label['zh']}：无", "en": f"{label['en']}: none"}
        return {"zh": f"{label['zh']}为{value}", "en": f"{label['en']} {value}"}
