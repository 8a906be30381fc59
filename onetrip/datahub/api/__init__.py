"""The data platform's JSON API: one router per area, mounted under /api/v1."""

from ninja import Router

from onetrip.datahub.api.licences import router as licences_router

router = Router()
router.add_router("", licences_router)
