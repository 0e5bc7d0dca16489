app_name = "scrapers"

urlpatterns = []
