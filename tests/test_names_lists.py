"""The lists of PyTorch names tinygraph lacks (``tinygraph/names.py``) stay true: every listed
name is still missing from tinygraph, and asking for it says that PyTorch has it; every listed
name is PyTorch 2.13's. A name implemented later must leave its list."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from tinygraph.names import TORCH_NAMES, NotImplementedName


def _listed():
    for module_name, names in TORCH_NAMES.items():
        for name in names.split():
            yield module_name, name


@pytest.mark.parametrize("module_name", sorted(TORCH_NAMES))
def test_listed_names_are_missing_and_say_so(module_name):
    module = importlib.import_module(module_name)
    for name in TORCH_NAMES[module_name].split():
        with pytest.raises(NotImplementedName, match=f"PyTorch's torch[.a-z_]*\\.{name} is not"):
            getattr(module, name)


@pytest.mark.parametrize("module_name", sorted(TORCH_NAMES))
def test_listed_names_are_pytorchs(torch, module_name):
    torch_name = module_name.replace("tinygraph", "torch", 1)
    module = importlib.import_module(torch_name)
    for name in TORCH_NAMES[module_name].split():
        assert (hasattr(module, name)
                or importlib.util.find_spec(f"{torch_name}.{name}") is not None), (torch_name, name)


def test_a_misspelt_name_gets_the_closest_one():
    import tinygraph as tg

    with pytest.raises(AttributeError, match="Did you mean 'linspace'"):
        tg.lnspace  # noqa: B018
    with pytest.raises(AttributeError, match="Did you mean 'grad'"):
        tg.autograd.gard  # noqa: B018
    with pytest.raises(AttributeError, match="Did you mean 'data'"):
        tg.utils.dta  # noqa: B018


def test_submodules_still_import_through_the_hook():
    from tinygraph.utils.checkpoint import checkpoint  # noqa: F401
    from tinygraph.utils.data import DataLoader  # noqa: F401
