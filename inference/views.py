"""Model pages. (The full per-token pages are the model-pages issue; these are the minimal ones.)"""

from django.shortcuts import get_object_or_404, render

from .models import InferenceOffering, LanguageModel


def model_list(request):
    return render(request, "inference/model_list.html", {"models": LanguageModel.objects.all()})


def model_detail(request, slug):
    model = get_object_or_404(LanguageModel, slug=slug)
    offerings = (
        InferenceOffering.objects.listed().filter(model=model).with_latest_price().select_related("provider")
        .order_by("latest_input")
    )
    return render(request, "inference/model_detail.html", {"model": model, "offerings": offerings})
