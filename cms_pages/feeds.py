"""An Atom feed of progress stories, for readers and for other sites to follow."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from cms_pages.models import ProjectStoryPage


class StoryFeed(Feed):
    """The 30 newest live stories."""

    feed_type = Atom1Feed
    title = "志愿城市·太原 项目进展"
    link = "/"
    subtitle = "资助项目的最新进展、结项与媒体报道"

    def items(self):
        return ProjectStoryPage.objects.live().public().order_by("-date", "-pk")[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at
