"""The cost components of a norm's lines, and their names in Vietnamese and English.

A module of its own, importing nothing, so that a front-end can label a table without loading
the engine."""

COMPONENTS = ("labour", "equipment", "material", "other")
COMPONENT_LABELS = {
    "labour": ("Nhân công", "Labour"),
    "equipment": ("Máy thiết bị", "Equipment"),
    "material": ("Vật liệu", "Materials"),
    "other": ("Chi phí khác", "Other costs"),
}
