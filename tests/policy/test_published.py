"""Published policy versions are immutable: their recorded hashes must still match."""

from __future__ import annotations

import yaml
from conftest import POLICIES

from service.policy.loader import PUBLISHED, load_policy_dir


def test_every_shipped_version_is_published_with_its_hash():
    published = yaml.safe_load((POLICIES / PUBLISHED).read_text())
    found = load_policy_dir(POLICIES, check_published=False)
    for policy in found.all():
        assert published.get(policy.city, {}).get(policy.version) == policy.sha256, (
            f"{policy.file} changed (sha256 {policy.sha256}); publish a new version instead")


def test_hash_covers_the_resolved_content_tier_included(tmp_path):
    import shutil

    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    tier = copy / "tiers" / "super_large.yaml"
    data = yaml.safe_load(tier.read_text())
    data["title"]["en"] += " (edited)"
    tier.write_text(yaml.safe_dump(data, allow_unicode=True))
    before = {p.file: p.sha256 for p in load_policy_dir(POLICIES, check_published=False).all()}
    after = {p.file: p.sha256 for p in load_policy_dir(copy, check_published=False).all()}
    changed = {f for f in before if before[f] != after[f]}
    assert "cities/beijing/2020.1.yaml" in changed
