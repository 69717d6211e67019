import pytest

from pengcheng.applications import services as applications
from pengcheng.applications.models import Application
from pengcheng.catalog.models import ServiceItem
from pengcheng.core.models import User

PERMIT_RENEWAL = "440300GA0001"  # 居住证签注: population + social insurance
FOOD_LICENCE = "440300SC0004"  # 食品经营许可: a company item, legal entity data


@pytest.fixture
def citizen(demo_city: None) -> User:
    return User.objects.get(username="citizen")


@pytest.fixture
def draft(citizen: User) -> Application:
    return applications.start(citizen, ServiceItem.objects.get(code=PERMIT_RENEWAL))
