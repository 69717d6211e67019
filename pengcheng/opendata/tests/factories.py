"""Helpers for the open-data tests: datasets with real uploaded files, through the services."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from pengcheng.core.actors import SYSTEM
from pengcheng.core.services import create_api_key
from pengcheng.opendata import services
from pengcheng.opendata.models import Dataset, ResourceVersion
from pengcheng.opendata.seed import ensure_themes

PARKING_HEADERS = ["名称", "所属区", "泊位数", "收费", "开放日期"]


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def parking_rows(count: int = 30) -> list[list[Any]]:
    districts = ["福田区", "南山区", "罗湖区"]
    return [
        [f"停车场{i}", districts[i % 3], 50 + i, f"{2 + i % 5}.5", f"2020-01-{i % 28 + 1:02d}"] for i in range(count)
    ]


def make_dataset(name: str = "parking", *, org: str = "440300-JTJ", state: str = "active", **fields: Any) -> Dataset:
    ensure_themes()
    data = {
        "name": name,
        "title": fields.pop("title", f"测试数据集 {name}"),
        "owner_org": org,
        "license_id": "cc-by",
        "frequency": "MONTHLY",
        "tags": ["停车", "交通"],
        "groups": ["transport"],
        "state": "draft",
        **fields,
    }
    dataset = services.create_dataset(SYSTEM, data)
    if state == "active":
        dataset = services.publish_dataset(SYSTEM, dataset)
    return dataset


def upload(dataset: Dataset, content: bytes, filename: str = "data.csv", **kwargs: Any) -> ResourceVersion:
    return services.upload_resource(SYSTEM, dataset, SimpleUploadedFile(filename, content), **kwargs)


def parking_dataset(name: str = "parking", rows: int = 30, **fields: Any) -> tuple[Dataset, ResourceVersion]:
    dataset = make_dataset(name, **fields)
    version = upload(dataset, csv_bytes(PARKING_HEADERS, parking_rows(rows)), name="停车场")
    return dataset, version


def key_for(user: Any, *, write: bool = False) -> str:
    scopes = ["opendata.read"] + (["opendata.write"] if write else [])
    return create_api_key(user, name="test", scopes=scopes, owner=user).raw
