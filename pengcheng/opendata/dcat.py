"""DCAT-AP 3 descriptions of the catalogue and its datasets, generated with rdflib.

``/catalog.{jsonld,ttl,rdf}`` is paged with Hydra (``hydra:PagedCollection``, as ckanext-dcat does);
``/dataset/{id}.{jsonld,ttl,rdf}`` describes one dataset.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from pengcheng.opendata.models import Dataset
from pengcheng.opendata.selectors import MIMETYPES, organization_id

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
FORMATS = {"text/turtle": "ttl", "application/rdf+xml": "rdf", "application/ld+json": "jsonld"}
SERIALIZERS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
PAGE_SIZE = 100


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("hydra", HYDRA),
        ("adms", ADMS),
    ):
        graph.bind(prefix, namespace)
    return graph


def dataset_uri(base_url: str, dataset: Dataset) -> URIRef:
    return URIRef(f"{base_url}/dataset/{dataset.pk}")


def add_dataset(graph: Graph, dataset: Dataset, base_url: str) -> URIRef:
    """Add ``dataset`` (prefetched with ``selectors.with_relations``) and its distributions."""
    node = dataset_uri(base_url, dataset)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(str(dataset.pk))))
    graph.add((node, DCTERMS.title, Literal(dataset.title, lang="zh")))
    if dataset.title_en:
        graph.add((node, DCTERMS.title, Literal(dataset.title_en, lang="en")))
    if dataset.notes:
        graph.add((node, DCTERMS.description, Literal(dataset.notes, lang="zh")))
    graph.add((node, DCAT.landingPage, URIRef(f"{base_url}/data/dataset/{dataset.name}/")))
    graph.add(
        (node, DCTERMS.issued, Literal((dataset.published_at or dataset.created_at).isoformat(), datatype=XSD.dateTime))
    )
    graph.add((node, DCTERMS.modified, Literal(dataset.modified_at.isoformat(), datatype=XSD.dateTime)))
    if dataset.version:
        graph.add((node, DCAT.version, Literal(dataset.version)))
    for tag in dataset.tags.all():
        graph.add((node, DCAT.keyword, Literal(tag.name, lang="zh")))
    for theme in dataset.themes.all():
        if theme.eu_theme:
            graph.add((node, DCAT.theme, URIRef(EU_THEME + theme.eu_theme)))
        graph.add((node, DCAT.theme, URIRef(f"{base_url}/data/?groups={theme.name}")))
    org = dataset.organization
    publisher = URIRef(f"{base_url}/organization/{organization_id(org)}")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(org.name, lang="zh")))
    if org.name_en:
        graph.add((publisher, FOAF.name, Literal(org.name_en, lang="en")))
    if dataset.frequency:
        graph.add((node, DCTERMS.accrualPeriodicity, URIRef(EU_FREQUENCY + dataset.frequency)))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, Literal(dataset.temporal_start.isoformat(), datatype=XSD.date)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, Literal(dataset.temporal_end.isoformat(), datatype=XSD.date)))
    if dataset.spatial:
        place = URIRef(f"{base_url}/division/{dataset.spatial.code}")
        graph.add((node, DCTERMS.spatial, place))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, DCTERMS.identifier, Literal(dataset.spatial.code)))
        graph.add(
            (place, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal(dataset.spatial.name, lang="zh"))
        )
    if dataset.contact_name or dataset.contact_email:
        contact = BNode()
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        graph.add((contact, VCARD.fn, Literal(dataset.contact_name or org.name)))
        if dataset.contact_email:
            graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
        if dataset.contact_phone:
            graph.add((contact, VCARD.hasTelephone, URIRef(f"tel:{dataset.contact_phone.replace(' ', '')}")))
    licence = URIRef(dataset.license_url) if dataset.license_url else None
    for resource in dataset.resources.all():
        distribution = URIRef(f"{base_url}/data/resource/{resource.pk}")
        graph.add((node, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.identifier, Literal(str(resource.pk))))
        graph.add((distribution, DCTERMS.title, Literal(resource.name, lang="zh")))
        if resource.description:
            graph.add((distribution, DCTERMS.description, Literal(resource.description, lang="zh")))
        graph.add(
            (distribution, DCAT.accessURL, URIRef(f"{base_url}/data/dataset/{dataset.name}/resource/{resource.pk}/"))
        )
        version = resource.current_version
        if version is not None:
            graph.add(
                (distribution, DCAT.downloadURL, URIRef(f"{base_url}/data/resource/{resource.pk}/download/original"))
            )
            graph.add((distribution, DCAT.byteSize, Literal(version.size, datatype=XSD.nonNegativeInteger)))
            graph.add(
                (distribution, DCTERMS.modified, Literal(resource.modified_at.isoformat(), datatype=XSD.dateTime))
            )
            checksum = BNode()
            graph.add((distribution, URIRef("http://spdx.org/rdf/terms#checksum"), checksum))
            graph.add(
                (
                    checksum,
                    URIRef("http://spdx.org/rdf/terms#algorithm"),
                    URIRef("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
                )
            )
            graph.add(
                (
                    checksum,
                    URIRef("http://spdx.org/rdf/terms#checksumValue"),
                    Literal(version.sha256, datatype=XSD.hexBinary),
                )
            )
        elif resource.url:
            graph.add((distribution, DCAT.downloadURL, URIRef(resource.url)))
        if resource.format:
            file_type = "GEOJSON" if resource.format == "GEOJSON" else resource.format
            graph.add((distribution, DCTERMS.format, URIRef(EU_FILE_TYPE + file_type)))
        if resource.format in MIMETYPES:
            graph.add((distribution, DCAT.mediaType, URIRef(IANA + MIMETYPES[resource.format])))
        if licence is not None:
            graph.add((distribution, DCTERMS.license, licence))
    return node


def add_catalog(graph: Graph, base_url: str) -> URIRef:
    catalog = URIRef(f"{base_url}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("鹏城开放数据目录", lang="zh")))
    graph.add((catalog, DCTERMS.title, Literal("Pengcheng open data catalogue", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal("城市各部门发布的开放数据集。", lang="zh")))
    graph.add((catalog, FOAF.homepage, URIRef(f"{base_url}/data/")))
    graph.add((catalog, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/ZHO")))
    return catalog


def catalog_graph(datasets: QuerySet[Dataset], base_url: str, page: int, total: int, page_url: Any) -> Graph:
    """One page of the catalogue; ``page_url(n)`` gives the URL of page n."""
    graph = new_graph()
    catalog = add_catalog(graph, base_url)
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset, base_url)))
    last = max(1, -(-total // PAGE_SIZE))
    paging = URIRef(page_url(page))
    graph.add((paging, RDF.type, HYDRA.PagedCollection))
    graph.add((paging, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((paging, HYDRA.itemsPerPage, Literal(PAGE_SIZE, datatype=XSD.integer)))
    graph.add((paging, HYDRA.firstPage, Literal(page_url(1))))
    graph.add((paging, HYDRA.lastPage, Literal(page_url(last))))
    if page < last:
        graph.add((paging, HYDRA.nextPage, Literal(page_url(page + 1))))
    if page > 1:
        graph.add((paging, HYDRA.previousPage, Literal(page_url(page - 1))))
    return graph


def serialize(graph: Graph, fmt: str) -> tuple[str, str]:
    """(text, content type) for ``fmt`` in jsonld, ttl, rdf."""
    name, content_type = SERIALIZERS[fmt]
    return graph.serialize(format=name), content_type
