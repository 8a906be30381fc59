"""The data platform's JSON API: one router per area, mounted under /api/v1."""

from ninja import Router

from onetrip.datahub.api.licences import router as licences_router
from onetrip.datahub.api.sharing import router as sharing_router
from onetrip.datahub.api.vault import router as vault_router

router = Router()
router.add_router("", licences_router)
router.add_router("/share", sharing_router, tags=["sharing"])
router.add_router("", vault_router, tags=["data vault"])
