"""The archive in the admin: the system admin reads raw packets; nobody edits them."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ecobrain.ingest.services import ingest_packet


def test_archive_admin_lists_and_shows_packets_read_only(client, base_data):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-long-password-1")
    archive_id = ingest_packet(b"##garbage", peer="10.0.0.1:1").archive_id
    client.force_login(admin)
    listing = client.get("/admin/monitoring/archivedpacket/")
    assert listing.status_code == 200
    detail = client.get(f"/admin/monitoring/archivedpacket/{archive_id}/change/")
    assert detail.status_code == 200
    assert "##garbage" in detail.content.decode()
    assert client.get("/admin/monitoring/archivedpacket/add/").status_code == 403
    assert client.get("/admin/monitoring/series/").status_code == 200
