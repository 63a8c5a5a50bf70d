"""Files Askshot ships beside its code, installed as the package `askshot.resources` (no code:
`askshot.core.resources` finds them): the icons (SVG drawings recoloured at run time, the app
icon as SVG and PNG sizes for the hicolor theme), the desktop entry and the AppStream metainfo."""
