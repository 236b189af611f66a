"""Entry point the Pulumi CLI runs for `pulumi preview --policy-pack policy`.

Owns nothing but starting the pack; the rules are `policy.checks`, the wrapping `policy.pack`.
"""

try:
    from policy.pack import PACK_NAME, policies
except ImportError:  # run by the Pulumi CLI from inside policy/
    from pack import PACK_NAME, policies  # type: ignore[no-redef]

from pulumi_policy import PolicyPack

PolicyPack(name=PACK_NAME, policies=policies())
