"""A network too big for this computer: the Architecture tab shows the builder's refusal instead of freezing."""

from __future__ import annotations

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.gui.panels.architecture.stack import COL_PARAMS, COL_SHAPE


def test_the_editor_shows_the_too_big_message_and_the_train_button_refuses(qtbot, main_window):
    panel = main_window.architecture_panel
    main_window.tabs.setCurrentWidget(panel)
    spec = ArchitectureSpec([layer("flatten"), layer("linear", in_features=64, out_features=1_000_000),
                             layer("linear", in_features=1_000_000, out_features=1_000_000), layer("linear", out_features=10)])
    panel.replace_architecture(spec, "Load a huge network")  # built for real: 4 TB of weights, which no test machine has

    assert panel.error_frame.isVisible()
    text = panel.error_label.text()
    assert "Layer 3 (Linear) makes the network too big for this computer" in text and "GB" in text
    assert "make this layer smaller" in text
    assert not panel.fix_button.isVisible()  # the fix is structural: no one-click button
    rows = [panel.stack.topLevelItem(i) for i in range(4)]
    assert rows[2].text(COL_SHAPE) == "does not fit" and "too big for this computer" in rows[2].toolTip(COL_SHAPE)
    assert [rows[i].text(COL_PARAMS) for i in (1, 3)] == ["65,000,000", "10,000,010"]  # the others' counts, from the plan
    training = main_window.training_panel
    assert "too big for this computer" in (training.settings_problem() or "")
    main_window.undo_action.trigger()
    assert not panel.error_frame.isVisible()
