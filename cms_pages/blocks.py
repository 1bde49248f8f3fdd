"""StreamField blocks for project, story, report and standard page bodies."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class ImageBlock(blocks.StructBlock):
    """One photo with a caption."""

    image = ImageChooserBlock(label="图片")
    caption = blocks.CharBlock(label="说明", required=False, max_length=200)

    class Meta:
        icon = "image"
        label = "图片"
        template = "cms_pages/blocks/image.html"


class GalleryBlock(blocks.StructBlock):
    """Several photos shown as a grid."""

    title = blocks.CharBlock(label="标题", required=False)
    images = blocks.ListBlock(ImageBlock(), label="图片", min_num=1)

    class Meta:
        icon = "image"
        label = "图集"
        template = "cms_pages/blocks/gallery.html"


class QuoteBlock(blocks.StructBlock):
    """A quotation with who said it."""

    text = blocks.TextBlock(label="引文")
    attribution = blocks.CharBlock(label="出处", required=False)

    class Meta:
        icon = "openquote"
        label = "引用"
        template = "cms_pages/blocks/quote.html"


class FigureBlock(blocks.StructBlock):
    """A single headline number such as 107 intersections."""

    label = blocks.CharBlock(label="名称")
    value = blocks.CharBlock(label="数值")
    unit = blocks.CharBlock(label="单位", required=False)

    class Meta:
        label = "数字"


class FiguresBlock(blocks.StructBlock):
    """A row of headline numbers."""

    figures = blocks.ListBlock(FigureBlock(), label="数字")

    class Meta:
        icon = "table"
        label = "数字"
        template = "cms_pages/blocks/figures.html"


class DocumentBlock(blocks.StructBlock):
    """A downloadable document (evaluation, audit, attachment)."""

    document = DocumentChooserBlock(label="文件")
    title = blocks.CharBlock(label="显示名称", required=False)

    class Meta:
        icon = "doc-full"
        label = "文件"
        template = "cms_pages/blocks/document.html"


class BodyBlock(blocks.StreamBlock):
    """The body of every content page."""

    text = blocks.RichTextBlock(label="正文", features=RICH_FEATURES, template="cms_pages/blocks/text.html")
    image = ImageBlock()
    gallery = GalleryBlock()
    quote = QuoteBlock()
    figures = FiguresBlock()
    document = DocumentBlock()
