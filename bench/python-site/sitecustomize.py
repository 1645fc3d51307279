"""Let charmhelpers import on Debian hosts (benchmark/test use only).

charmhelpers.osplatform.get_platform() raises on "Debian GNU/Linux", which
breaks `import charms.reactive`. Put this directory on PYTHONPATH: a meta-path
hook replaces get_platform() right after that module loads, so the installed
packages stay untouched and nothing else is imported eagerly at start-up.
"""
import importlib.machinery
import sys


class _UbuntuPlatform:
    def find_spec(self, fullname, path, target=None):
        if fullname != "charmhelpers.osplatform":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            module.get_platform = lambda: "ubuntu"

        spec.loader.exec_module = exec_and_patch
        return spec


sys.meta_path.insert(0, _UbuntuPlatform())
