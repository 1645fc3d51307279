# A hook written with the real charmhelpers (Python), run under the local model by
# framework/cli/tests/model.rs. The test substitutes @PYTHON@ and @SITE@.
import os
import sys

sys.path.insert(0, "@SITE@")
import sitecustomize  # noqa: E402,F401  charmhelpers refuses Debian hosts; this patches the check

from charmhelpers.core import hookenv  # noqa: E402

hook = os.environ.get("JUJU_HOOK_NAME", "")
if hook == "config-changed":
    cfg = hookenv.config()
    hookenv.log("greeting is %s" % cfg["greeting"])
    rids = hookenv.relation_ids("cluster")
    assert rids == ["cluster:0"], rids
    hookenv.relation_set(rids[0], {"greeting": cfg["greeting"]})
    if hookenv.is_leader():
        hookenv.leader_set({"token": "from-the-leader"})
    hookenv.status_set("active", "configured with %s" % cfg["greeting"])
elif hook == "cluster-relation-changed":
    rid = hookenv.relation_id()
    units = hookenv.related_units(rid)
    remote = os.environ["JUJU_REMOTE_UNIT"]
    assert remote in units, (remote, units)
    said = hookenv.relation_get("greeting", unit=remote, rid=rid)
    token = hookenv.leader_get("token")
    if said:
        hookenv.status_set("active", "%s says %s; token %s" % (remote, said, token))
