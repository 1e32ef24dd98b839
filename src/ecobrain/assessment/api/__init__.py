"""Assessment API on the /api/v1/ router: air quality hours, days, periods, the latest hour and rankings."""


def register(router) -> None:
    from ecobrain.assessment.api import air

    router.register("air-quality/hours", air.AirQualityHourViewSet, basename="air-quality-hour")
    router.register("air-quality/days", air.AirQualityDayViewSet, basename="air-quality-day")
    router.register("air-quality/periods", air.AirQualityPeriodViewSet, basename="air-quality-period")
    router.register("air-quality/latest", air.AirQualityLatestViewSet, basename="air-quality-latest")
    router.register("air-quality/rankings", air.AirQualityRankingViewSet, basename="air-quality-ranking")
