/* Buyer profile: search a buyer by name or SIRET, then its contracts per year with and without a social
 * consideration, its share beside its peers (other buyers of the same type and département) and the hours and
 * beneficiaries of its tracked contracts (statistical secrecy applied in the open data profils_acheteurs).
 * The files of assets/acheteurs/ (written by dataviz.py) are loaded on demand with a <script> element, which works
 * from the file system where fetch() does not: index.js at the first search, profils-NNN.js when one of its buyers
 * is opened. Each calls window.OBSERVATOIRE_ACHETEURS.recevoir(name, value). */
(function () {
  'use strict';

  const DOSSIER = 'assets/acheteurs/';
  const DONNEES_OUVERTES = '../open_data/profils_acheteurs/profils_acheteurs.csv';
  const RESULTATS_MAX = 20;
  const outils = window.dataviz.outils;
  const nombre = outils.nombre;
  const pourcent = outils.pourcent;
  const millions = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const COULEURS = { avec: '#2e8b6b', sans: '#8fa6c4', inconnue: '#d5dae2', part: '#e8590c', pairs: '#6b7280' };

  // ----------------------------------------------------------------------------------------- loading files
  const recus = new Map();
  const chargements = new Map();
  window.OBSERVATOIRE_ACHETEURS = { recevoir: function (nom, valeur) { recus.set(nom, valeur); } };
  /** The value of assets/acheteurs/<nom>.js, loaded once. */
  function charger(nom) {
    if (!chargements.has(nom)) {
      chargements.set(nom, new Promise(function (resolve, reject) {
        const script = document.createElement('script');
        script.src = DOSSIER + nom + '.js';
        script.onload = function () {
          if (recus.has(nom)) resolve(recus.get(nom));
          else reject(new Error(script.src + ' ne contient pas les données attendues'));
        };
        script.onerror = function () {
          chargements.delete(nom);
          reject(new Error(script.src + ' est introuvable'));
        };
        document.head.appendChild(script);
      }));
    }
    return chargements.get(nom);
  }
  function nomFragment(numero) { return 'profils-' + String(numero).padStart(3, '0'); }

  /** Lower case, no accent, words separated by one space. */
  function normaliser(texte) {
    return texte.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  }
  let index = null;
  function chargerIndex() {
    return charger('index').then(function (valeur) {
      if (!index) {
        index = valeur.acheteurs.map(function (a) {
          return {
            siret: a[0], nom: a[1] || 'Acheteur ' + a[0], cle: normaliser(a[1] || ''), type: valeur.types[a[2]],
            departement: a[3], fragment: a[4],
          };
        });
      }
      return index;
    });
  }
  /** Buyers whose SIRET starts with the digits typed, or whose name holds every word typed. */
  function chercher(requete) {
    const chiffres = requete.replace(/\s+/g, '');
    if (/^\d{3,14}$/.test(chiffres)) return index.filter(function (a) { return a.siret.startsWith(chiffres); });
    const mots = normaliser(requete).split(' ').filter(function (m) { return m.length; });
    if (!mots.length || mots.join('').length < 2) return [];
    return index.filter(function (a) {
      return mots.every(function (m) { return a.cle.includes(m); });
    }).sort(function (a, b) { return a.nom.localeCompare(b.nom, 'fr'); });
  }

  // ------------------------------------------------------------------------------------------------- search
  const champ = document.getElementById('acheteur-recherche');
  const liste = document.getElementById('acheteur-resultats');
  const statut = document.getElementById('acheteur-statut');
  const profil = document.getElementById('acheteur-profil');
  let graphique = null;

  function nomDepartement(code) {
    if (code === 'inconnu') return 'département inconnu';
    const t = window.OBSERVATOIRE_DATA.territoires.filter(function (x) {
      return x[0] === 'departement' && x[1] === code;
    })[0];
    return t ? t[2] + ' (' + code + ')' : 'département ' + code;
  }
  function afficherResultats() {
    const requete = champ.value.trim();
    if (!requete) { liste.replaceChildren(); statut.textContent = ''; return; }
    statut.textContent = 'Chargement de la liste des acheteurs…';
    chargerIndex().then(function () {
      if (champ.value.trim() !== requete) return; // typed on meanwhile: the newer search answers
      const trouves = chercher(requete);
      statut.textContent = trouves.length === 0 ? 'Aucun acheteur ne correspond à « ' + requete + ' ».'
        : nombre.format(trouves.length) + (trouves.length > 1 ? ' acheteurs trouvés' : ' acheteur trouvé')
          + (trouves.length > RESULTATS_MAX ? ', les ' + RESULTATS_MAX + ' premiers affichés.' : '.');
      liste.replaceChildren.apply(liste, trouves.slice(0, RESULTATS_MAX).map(function (a) {
        const item = document.createElement('li');
        const bouton = document.createElement('button');
        bouton.type = 'button';
        bouton.dataset.siret = a.siret;
        bouton.textContent = a.nom;
        const detail = document.createElement('span');
        detail.className = 'acheteurs__detail';
        detail.textContent = 'SIRET ' + a.siret + ' · ' + a.type[1] + ' · ' + nomDepartement(a.departement);
        bouton.appendChild(detail);
        bouton.addEventListener('click', function () { ouvrir(a.siret); });
        item.appendChild(bouton);
        return item;
      }));
    }).catch(function (erreur) {
      statut.textContent = 'La liste des acheteurs n\'a pas pu être chargée : ' + erreur.message;
    });
  }
  champ.addEventListener('input', afficherResultats);

  // -------------------------------------------------------------------------------------------------- profile
  const COLONNES = [
    ['annee', 'Année'], ['marches', 'Marchés notifiés'], ['connue', 'dont considération connue'],
    ['avec', 'avec considération sociale'], ['clause', 'avec clause sociale'], ['montant', 'Montant'],
    ['part', 'Part avec considération sociale'], ['partPairs', 'Part chez les pairs'],
    ['suivis', 'Marchés suivis'], ['heures', 'Heures d\'insertion réalisées'], ['beneficiaires', 'Bénéficiaires'],
  ];
  function annee(l) {
    return {
      annee: l[0], marches: l[1], connue: l[2], avec: l[3], clause: l[4], montant: l[5], part: l[6], pairs: l[7],
      connuePairs: l[8], partPairs: l[9], suivis: l[10], heures: l[11], beneficiaires: l[12], secret: l[13] === 1,
    };
  }
  /** [text, raw value] of a cell of the profile table. */
  function cellule(a, cle) {
    const v = a[cle];
    if ((cle === 'heures' || cle === 'beneficiaires') && a.secret) return [outils.SECRET, ''];
    if (v === null) return [cle === 'partPairs' ? 'sans pair comparable' : 'non connue', ''];
    if (cle === 'annee') return [String(v), String(v)];
    if (cle === 'montant') return [millions.format(v / 1e6) + ' M€', String(v)];
    if (cle === 'part') return [pourcent.format(v), String(v)];
    if (cle === 'partPairs') return [pourcent.format(v) + ' (' + nombre.format(a.pairs) + ' acheteurs)', String(v)];
    return [nombre.format(v), String(v)];
  }
  function tableau(annees) {
    const table = document.createElement('table');
    table.className = 'acheteurs__tableau';
    table.id = 'acheteur-tableau';
    const entete = document.createElement('tr');
    COLONNES.forEach(function (c) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c[1];
      entete.appendChild(th);
    });
    const thead = document.createElement('thead');
    thead.appendChild(entete);
    const tbody = document.createElement('tbody');
    annees.slice().reverse().forEach(function (a) {
      const tr = document.createElement('tr');
      COLONNES.forEach(function (c) {
        const td = document.createElement('td');
        const texte = cellule(a, c[0]);
        td.textContent = texte[0];
        td.dataset.colonne = c[0];
        td.dataset.valeur = texte[1];
        if (texte[0] === outils.SECRET) td.className = 'est-secret';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(thead);
    table.appendChild(tbody);
    return table;
  }
  function dessiner(annees) {
    const categories = annees.map(function (a) { return String(a.annee); });
    graphique.setOption({
      animation: false,
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 8, top: 40, bottom: 4, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      xAxis: { type: 'category', data: categories },
      yAxis: [
        { type: 'value', name: 'marchés', minInterval: 1 },
        {
          type: 'value', name: 'part', min: 0, max: 1, splitLine: { show: false },
          axisLabel: { formatter: function (v) { return pourcent.format(v); } },
        },
      ],
      series: [
        ['avec considération sociale', 'avec', function (a) { return a.avec; }],
        ['sans considération sociale', 'sans', function (a) { return a.connue - a.avec; }],
        ['considération inconnue (format 2019)', 'inconnue', function (a) { return a.marches - a.connue; }],
      ].map(function (s) {
        return {
          type: 'bar', stack: 'marches', name: s[0], barMaxWidth: 36, itemStyle: { color: COULEURS[s[1]] },
          data: annees.map(s[2]),
        };
      }).concat([
        ['part de l\'acheteur', 'part', 'part'], ['part chez ses pairs', 'pairs', 'partPairs'],
      ].map(function (s) {
        return {
          type: 'line', name: s[0], yAxisIndex: 1, symbolSize: 7, itemStyle: { color: COULEURS[s[1]] },
          lineStyle: { type: s[1] === 'pairs' ? 'dashed' : 'solid' },
          data: annees.map(function (a) { return a[s[2]]; }),
          tooltip: {
            valueFormatter: function (v) { return v === null || v === undefined ? 'non connue' : pourcent.format(v); },
          },
        };
      })),
    }, true);
  }
  /** Open the profile of a buyer of the index. */
  function ouvrir(siret) {
    const acheteur = index.filter(function (a) { return a.siret === siret; })[0];
    statut.textContent = 'Chargement du profil…';
    return charger(nomFragment(acheteur.fragment)).then(function (fragment) {
      const annees = fragment[siret].map(annee);
      const titre = document.createElement('h3');
      titre.className = 'acheteurs__nom';
      titre.id = 'acheteur-nom';
      titre.textContent = acheteur.nom;
      const identite = document.createElement('p');
      identite.className = 'panneau__note';
      identite.textContent = 'SIRET ' + acheteur.siret + ' · ' + acheteur.type[1] + ' · '
        + nomDepartement(acheteur.departement) + '. Pairs : les autres acheteurs du même type et du même '
        + 'département ayant notifié un marché dans l\'année. Marchés par année de notification ; heures et '
        + 'bénéficiaires de ses marchés suivis par année de réalisation (secret statistique : un effectif sous le '
        + 'seuil de diffusion n\'est pas publié).';
      const conteneur = document.createElement('div');
      conteneur.className = 'graphique graphique--petit';
      conteneur.id = 'acheteur-graphique';
      const lien = document.createElement('p');
      lien.className = 'panneau__note';
      const a = document.createElement('a');
      a.href = DONNEES_OUVERTES;
      a.id = 'acheteur-donnees';
      a.textContent = 'données ouvertes profils_acheteurs';
      lien.append('Ces chiffres sont les lignes siret_acheteur = ' + acheteur.siret + ' du jeu ', a,
        ' (CSV, Licence Ouverte 2.0).');
      if (graphique) graphique.dispose();
      profil.replaceChildren(titre, identite, conteneur, tableau(annees), lien);
      graphique = outils.initGraphique('acheteur-graphique');
      dessiner(annees);
      statut.textContent = '';
      profil.dataset.siret = siret;
    }).catch(function (erreur) { statut.textContent = 'Le profil n\'a pas pu être chargé : ' + erreur.message; });
  }

  window.dataviz.acheteurs = {
    ouvrir: ouvrir,
    chercher: function (requete) { return chargerIndex().then(function () { return chercher(requete); }); },
  };
}());
