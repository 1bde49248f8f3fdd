"""An Atom feed of progress stories, for readers and for other sites to follow."""

import datetime

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from wagtail.models import Site

from cms_pages.models import FundSettings, ProjectStoryPage

FUND_NAME_DEFAULT = "志愿城市·太原"


def story_datetime(story) -> datetime.datetime:
    """The story's own date (when what it tells happened), as the start of that day in the site's time zone.

    Not its publication time: the demo publishes every story on the day it is loaded, and an editor may post
    an account weeks after the event it reports.
    """
    return timezone.make_aware(datetime.datetime.combine(story.date, datetime.time.min))


class StoryFeed(Feed):
    """The 30 newest live stories, each dated from its own date and signed by the fund that publishes it."""

    feed_type = Atom1Feed
    title = "志愿城市·太原 项目进展"
    link = "/"
    subtitle = "资助项目的最新进展、结项与媒体报道"

    def get_object(self, request, *args, **kwargs):
        site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
        self.fund_name = (FundSettings.for_site(site).fund_name if site else "") or FUND_NAME_DEFAULT
        return None

    def author_name(self):
        return self.fund_name

    def items(self):
        return ProjectStoryPage.objects.live().public().order_by("-date", "-pk")[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        # The Site's address (SITE_BASE_URL), as in the sitemap and canonical links, whatever host was asked.
        return item.full_url

    def item_author_name(self, item):
        return self.fund_name

    def item_pubdate(self, item):
        return story_datetime(item)

    def item_updateddate(self, item):
        return story_datetime(item)
