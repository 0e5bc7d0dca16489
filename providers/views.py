"""GPU and provider pages. (The full comparison pages are the GPU-pages issue; these are the minimal ones.)"""

from django.shortcuts import get_object_or_404, render

from .models import Gpu, GpuOffering, Provider


def gpu_list(request):
    return render(request, "providers/gpu_list.html", {"gpus": Gpu.objects.all()})


def gpu_detail(request, slug):
    gpu = get_object_or_404(Gpu, slug=slug)
    offerings = (
        GpuOffering.objects.listed().filter(gpu=gpu).with_latest_price().select_related("provider")
        .order_by("latest_usd_per_gpu_hour")
    )
    return render(request, "providers/gpu_detail.html", {"gpu": gpu, "offerings": offerings})


def provider_list(request):
    return render(request, "providers/provider_list.html", {"providers": Provider.objects.all()})


def provider_detail(request, slug):
    provider = get_object_or_404(Provider, slug=slug)
    offerings = (
        GpuOffering.objects.listed().filter(provider=provider).with_latest_price().select_related("gpu")
    )
    return render(request, "providers/provider_detail.html", {"provider": provider, "offerings": offerings})
