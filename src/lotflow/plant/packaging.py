"""The packaging hierarchy of finished product: boxes, sealed cans, crates, pallets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Packaging:
    """Units per box, boxes per can, cans per crate, crates per pallet.

    A lot is packed on its own (lots are never mixed in a box, can, crate or
    pallet, so that every package carries one lot number); the last box, can,
    crate and pallet of a lot may be partly filled.
    """

    units_per_box: int = 20
    boxes_per_can: int = 33
    cans_per_crate: int = 2
    crates_per_pallet: int = 32

    @property
    def units_per_pallet(self) -> int:
        return (
            self.units_per_box * self.boxes_per_can * self.cans_per_crate * self.crates_per_pallet
        )

    def packages_for(self, units: int) -> dict[str, int]:
        """Boxes, cans, crates and pallets needed for ``units`` units of one lot."""
        boxes = -(-int(units) // self.units_per_box)
        cans = -(-boxes // self.boxes_per_can)
        crates = -(-cans // self.cans_per_crate)
        pallets = -(-crates // self.crates_per_pallet)
        return {"boxes": boxes, "cans": cans, "crates": crates, "pallets": pallets}

    def pallets_for(self, units: int) -> int:
        """Pallet places that ``units`` units of one lot occupy (0 for none)."""
        return self.packages_for(units)["pallets"]
